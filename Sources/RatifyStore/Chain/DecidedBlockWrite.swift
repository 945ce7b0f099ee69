import RatifyCore

/// One decided block and everything it produced, in the form `BlockStore.commit` stores it:
/// canonical encodings, the ledger's state writes, the app hash after it, the validator sets it
/// decided and its transactions' locations.
public struct DecidedBlockWrite: Sendable {
    public var height: UInt64
    public var blockBytes: [UInt8]
    public var commitBytes: [UInt8]
    public var blockHash: Hash
    public var stateWrites: [StateWrite]
    public var appHash: Hash
    /// (height, canonical validator set bytes) pairs decided by this block.
    public var validatorSets: [(height: UInt64, bytes: [UInt8])]
    /// (transaction hash, encoded location) per transaction of the block.
    public var transactions: [(hash: Hash, location: [UInt8])]

    public init(height: UInt64, blockBytes: [UInt8], commitBytes: [UInt8], blockHash: Hash, stateWrites: [StateWrite],
                appHash: Hash, validatorSets: [(height: UInt64, bytes: [UInt8])] = [],
                transactions: [(hash: Hash, location: [UInt8])] = []) {
        self.height = height
        self.blockBytes = blockBytes
        self.commitBytes = commitBytes
        self.blockHash = blockHash
        self.stateWrites = stateWrites
        self.appHash = appHash
        self.validatorSets = validatorSets
        self.transactions = transactions
    }
}
