import RatifyCore

/// A hybrid validator's Casper FFG signing record: the highest source and target epochs it has
/// signed checkpoint votes for (RatifyPoW's `CheckpointSignerState`, 16 bytes), in the signer
/// database beside the proof-of-stake `DoubleSignGuard` state. `record` commits durably, and
/// the node calls it before it signs, so a vote that left the process is always on disk and a
/// restarted validator cannot sign a double or surround vote.
public struct CheckpointSignerStore: Sendable {
    let environment: LMDBEnvironment
    let database: LMDBDatabase

    static let stateKey = Array("ffg".utf8)
    static let encodedBytes = 16

    init(environment: LMDBEnvironment, database: LMDBDatabase) {
        self.environment = environment
        self.database = database
    }

    /// The epochs last recorded, or nil if this store never signed a checkpoint vote.
    public func lastSigned() throws -> (sourceEpoch: UInt64, targetEpoch: UInt64)? {
        let database = self.database
        let bytes = try environment.read { try $0.get(database, Self.stateKey) }
        guard let bytes else { return nil }
        guard bytes.count == Self.encodedBytes, let source = StoreKey.decodeHeight(Array(bytes[0..<8])),
              let target = StoreKey.decodeHeight(Array(bytes[8..<16])) else {
            throw StoreError.invalidRecord(database: database.name, reason: "checkpoint signer state of \(bytes.count) bytes, not 16")
        }
        return (source, target)
    }

    /// Stores the epochs of a vote about to be signed, in one committed (fsynced) transaction.
    public func record(sourceEpoch: UInt64, targetEpoch: UInt64) throws {
        // Two big-endian u64s, as `CheckpointSignerState` encodes them.
        let bytes = StoreKey.height(sourceEpoch) + StoreKey.height(targetEpoch), database = self.database
        try environment.write { try $0.put(database, Self.stateKey, bytes) }
    }
}
