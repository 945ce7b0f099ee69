/// One change to ledger state made by a block: set `key` to `value`, or delete it when
/// `value` is nil.
public struct StateWrite: Sendable, Equatable {
    public let key: [UInt8]
    public let value: [UInt8]?

    public init(key: [UInt8], value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    public static func set(_ key: [UInt8], _ value: [UInt8]) -> StateWrite { StateWrite(key: key, value: value) }
    public static func delete(_ key: [UInt8]) -> StateWrite { StateWrite(key: key, value: nil) }
}
