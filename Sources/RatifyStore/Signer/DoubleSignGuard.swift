import RatifyCore

/// Stands between the consensus driver and the validator key: every signature goes through
/// `authorize`, which never signs at a position earlier than the last one, never signs two
/// different byte strings at one position, and makes the new position durable before the
/// signature may leave the process: one append to the store's consensus journal
/// (`SignerJournal`, one device flush) before `authorize` returns, or, for signatures the
/// caller holds, with the next `flush()`. The journal is folded into LMDB's `signer` table at
/// checkpoints. A crash at any instant therefore never leads to a double sign: if the
/// signature left the process, the record of it is on disk, and every `NodeStore.open`
/// replays the journal before anything reads it.
///
/// Decisions are made under the journal's lock against the later of its own latest state and
/// LMDB's, so concurrent callers, and states merged into LMDB since (an adoption, a raised
/// floor), still see one linear history.
public struct DoubleSignGuard: Sendable {
    let journal: SignerJournal

    static let stateKey = Array("state".utf8)

    init(journal: SignerJournal) {
        self.journal = journal
    }

    /// The last signature made, or nil if this store never signed.
    public func lastSigned() throws -> SignerState? {
        try journal.lastSigned()
    }

    /// Returns a signature over `signBytes` for `(height, round, step)`:
    /// - earlier than the last signed position: throws `SignerRefusal.regression`;
    /// - at the last signed position with the same bytes: returns the stored signature
    ///   without calling `sign`;
    /// - at the last signed position with different bytes: throws `SignerRefusal.conflict`;
    /// - later: calls `sign` once, makes the new position durable, then returns the signature.
    /// If `sign` throws or the write fails, nothing changes and no signature is returned.
    /// `signedVote` builds the signed vote from the new signature, to be stored with the
    /// position (`SignerState.vote`; nil for a proposal). `walRecords` are the consensus WAL
    /// records to make durable in the same append (the driver's buffered records and the signed
    /// message's own), so the signature and what justified it reach the disk together.
    ///
    /// With `flushNow` false the new state is staged instead: it reaches the disk with the next
    /// `flush()` (or the next authorization or WAL append that flushes), together with every
    /// state staged before it, so signatures made one after another (a proposal and the
    /// proposer's own prevote for it) share one device flush. The caller must keep such a
    /// signature inside the process until that flush has returned. Later decisions already
    /// count the staged state: the history stays linear.
    public func authorize(
        height: UInt64, round: UInt32, step: SignStep, signBytes: [UInt8],
        sign: ([UInt8]) throws -> Signature,
        signedVote: (Signature) -> Vote? = { _ in nil },
        walRecords: (Signature) -> [JournalEntry.WALRecord] = { _ in [] },
        flushNow: Bool = true
    ) throws -> Signature {
        try journal.authorize(SignPosition(height: height, round: round, step: step), signBytes: signBytes, sign: sign,
                              signedVote: signedVote, walRecords: walRecords, flushNow: flushNow)
    }

    /// Makes every staged state durable with one write and one device flush; after it returns,
    /// the signatures they hold may leave the process. Nothing staged: nothing written.
    public func flush() throws {
        try journal.flush()
    }

    /// Makes consensus WAL records durable on their own, through the same journal.
    public func appendWAL(_ records: [JournalEntry.WALRecord]) throws {
        try journal.appendWAL(records)
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
