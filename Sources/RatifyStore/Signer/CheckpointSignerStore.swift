import RatifyCore

/// A hybrid validator's Casper FFG signing record: the highest source and target epochs it has
/// signed checkpoint votes for (RatifyPoW's `CheckpointSignerState`, 16 bytes), in the signer
/// database beside the proof-of-stake `DoubleSignGuard` state. `record` commits durably, and
/// the node calls it before it signs, so a vote that left the process is always on disk and a
/// restarted validator cannot sign a double or surround vote. `authorize` does both in one
/// transaction, for a node signing through a remote signer and for the signer itself.
public struct CheckpointSignerStore: Sendable {
    let environment: LMDBEnvironment
    let database: LMDBDatabase

    static let stateKey = Array("ffg".utf8)
    static let encodedBytes = 16
    /// The last vote signed through `authorize`: SHA-256 of its sign bytes, then its signature,
    /// so the same request asked again (an answer lost on the way) gets the same signature.
    static let signedKey = Array("ffg-signed".utf8)

    init(environment: LMDBEnvironment, database: LMDBDatabase) {
        self.environment = environment
        self.database = database
    }

    /// The epochs last recorded, or nil if this store never signed a checkpoint vote.
    public func lastSigned() throws -> (sourceEpoch: UInt64, targetEpoch: UInt64)? {
        try environment.read { try Self.load($0, database) }
    }

    static func load(_ transaction: LMDBTransaction, _ database: LMDBDatabase) throws -> (sourceEpoch: UInt64, targetEpoch: UInt64)? {
        guard let bytes = try transaction.get(database, stateKey) else { return nil }
        guard let epochs = decode(bytes) else {
            throw StoreError.invalidRecord(database: database.name, reason: "checkpoint signer state of \(bytes.count) bytes, not 16")
        }
        return epochs
    }

    /// Two big-endian u64s, as `CheckpointSignerState` encodes them; nil when not 16 bytes.
    static func decode(_ bytes: [UInt8]) -> (sourceEpoch: UInt64, targetEpoch: UInt64)? {
        guard bytes.count == encodedBytes, let source = StoreKey.decodeHeight(Array(bytes[0..<8])),
              let target = StoreKey.decodeHeight(Array(bytes[8..<16])) else { return nil }
        return (source, target)
    }

    /// Returns a signature over `signBytes`, the vote `sourceEpoch → targetEpoch`, in one
    /// write transaction: the same sign bytes as the last vote signed here get its signature
    /// back; otherwise `refusal`, given the epochs last recorded, says why not (thrown), or
    /// `sign` is called once and the new epochs and signature are committed (fsynced) before
    /// the signature is returned. If `sign` throws, nothing changes.
    public func authorize(sourceEpoch: UInt64, targetEpoch: UInt64, signBytes: [UInt8],
                          refusal: ((sourceEpoch: UInt64, targetEpoch: UInt64)?) -> (any Error)?,
                          sign: ([UInt8]) throws -> Signature) throws -> Signature {
        let database = self.database, requestedHash = Hash.sha256(signBytes)
        // The write closure may run again after the map grows; sign at most once regardless.
        var produced: Signature?
        return try environment.write { transaction in
            let last = try Self.load(transaction, database)
            if let last, last.sourceEpoch == sourceEpoch, last.targetEpoch == targetEpoch, let record = try transaction.get(database, Self.signedKey),
               record.count == 96, Array(record[0..<32]) == requestedHash.bytes {
                return Signature(raw: Bytes64(Array(record[32..<96])) ?? .zero)
            }
            if let refused = refusal(last) { throw refused }
            let signature = try produced ?? sign(signBytes)
            produced = signature
            try transaction.put(database, Self.stateKey, StoreKey.height(sourceEpoch) + StoreKey.height(targetEpoch))
            try transaction.put(database, Self.signedKey, requestedHash.bytes + signature.bytes)
            return signature
        }
    }

    /// Stores the epochs of a vote about to be signed, in one committed (fsynced) transaction.
    public func record(sourceEpoch: UInt64, targetEpoch: UInt64) throws {
        let bytes = StoreKey.height(sourceEpoch) + StoreKey.height(targetEpoch), database = self.database
        try environment.write { try $0.put(database, Self.stateKey, bytes) }
    }
}
