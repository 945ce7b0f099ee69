import RatifyCore

/// Stands between the consensus driver and the validator key: every signature goes through
/// `authorize`, which never signs at a position earlier than the last one, never signs two
/// different byte strings at one position, and makes the new position durable (a committed,
/// fsynced LMDB transaction) before the signature is returned. A crash at any instant
/// therefore never leads to a double sign: if the signature left the process, the record of
/// it is on disk.
///
/// The state is read from LMDB inside the same write transaction that updates it, so two
/// guards on one environment, or concurrent callers, still see one linear history.
public struct DoubleSignGuard: Sendable {
    let environment: LMDBEnvironment
    let database: LMDBDatabase

    static let stateKey = Array("state".utf8)

    init(environment: LMDBEnvironment, database: LMDBDatabase) {
        self.environment = environment
        self.database = database
    }

    /// The last signature made, or nil if this store never signed.
    public func lastSigned() throws -> SignerState? {
        try environment.read { try Self.load($0, database) }
    }

    /// Returns a signature over `signBytes` for `(height, round, step)`:
    /// - earlier than the last signed position: throws `SignerRefusal.regression`;
    /// - at the last signed position with the same bytes: returns the stored signature
    ///   without calling `sign`;
    /// - at the last signed position with different bytes: throws `SignerRefusal.conflict`;
    /// - later: calls `sign` once, stores the new position durably, then returns the signature.
    /// If `sign` throws or storing fails, nothing changes and no signature is returned.
    /// `signedVote` builds the signed vote from the new signature, to be stored with the
    /// position (`SignerState.vote`; nil for a proposal). `alsoWrite` runs inside the same
    /// transaction with the signature (the driver logs the signed message to the WAL there):
    /// one fsync for both. Both may run more than once (the transaction is retried after the
    /// map grows); they must not have effects outside it.
    public func authorize(
        height: UInt64, round: UInt32, step: SignStep, signBytes: [UInt8],
        sign: ([UInt8]) throws -> Signature,
        signedVote: (Signature) -> Vote? = { _ in nil },
        alsoWrite: (LMDBWriteTransaction, Signature) throws -> Void = { _, _ in }
    ) throws -> Signature {
        let requested = SignPosition(height: height, round: round, step: step)
        let requestedHash = Hash.sha256(signBytes)
        // The write closure may run again after the map grows; sign at most once regardless.
        var produced: Signature?
        return try environment.write { transaction in
            if let last = try Self.load(transaction, database) {
                if requested < last.position {
                    throw SignerRefusal.regression(requested: requested, lastSigned: last.position)
                }
                if requested == last.position {
                    guard requestedHash == last.signBytesHash else {
                        throw SignerRefusal.conflict(position: requested, signedHash: last.signBytesHash, requestedHash: requestedHash)
                    }
                    try alsoWrite(transaction, last.signature)
                    return last.signature
                }
            }
            let signature = try produced ?? sign(signBytes)
            produced = signature
            let state = SignerState(position: requested, signBytesHash: requestedHash, signature: signature,
                                    vote: signedVote(signature))
            try transaction.put(database, Self.stateKey, state.canonicalBytes)
            try alsoWrite(transaction, signature)
            return signature
        }
    }

    static func load(_ transaction: LMDBTransaction, _ database: LMDBDatabase) throws -> SignerState? {
        guard let bytes = try transaction.get(database, stateKey) else { return nil }
        do {
            return try SignerState(canonicalBytes: bytes)
        } catch {
            throw StoreError.invalidRecord(database: database.name, reason: "signer state: \(error)")
        }
    }
}
