/// One key/value pair copied out of a transaction. LMDB's own pointers are valid only until
/// the transaction ends, so everything that leaves a transaction is a copy.
public struct LMDBEntry: Sendable, Equatable {
    public let key: [UInt8]
    public let value: [UInt8]

    public init(key: [UInt8], value: [UInt8]) {
        self.key = key
        self.value = value
    }
}
