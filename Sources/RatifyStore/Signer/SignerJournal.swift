import RatifyCore
import Synchronization

/// Where the double-sign guard makes a signature durable: one `ConsensusJournal` append (one
/// device flush) holding the guard's new state and the consensus WAL records that must be on
/// disk with it, instead of an LMDB commit (two). Signatures authorized with their flush held
/// are staged in memory and written with the next flush as one record: the latest staged
/// state (a checkpoint keeps only the latest anyway) and every staged WAL record in order, so a
/// flush is still one frame that a crash either leaves whole or tears, never a run of frames of
/// which a later one survives an earlier one. The journal is folded into LMDB, the store every
/// other reader uses, by a checkpoint: when the store opens, and when the journal passes
/// `checkpointBytes`; what is staged never reaches a checkpoint.
///
/// A checkpoint replays, in one durable LMDB transaction, every record past the sequence number
/// LMDB last took (`appliedKey` in the `signer` table, which a chain reset keeps): a signer
/// state later than the stored one replaces it; WAL records of heights not yet stored are
/// appended in journal order (those of stored heights are obsolete). The journal then starts
/// over with its numbering carried on, so what is left of the old records scans as stale.
///
/// Lock order: the journal's lock, then LMDB's writer lock (a checkpoint inside `authorize`);
/// never the journal's inside an LMDB write transaction.
final class SignerJournal: Sendable {
    static let fileName = "consensus.journal"
    /// The last journal sequence number LMDB holds, `u64`, in the `signer` table.
    static let appliedKey = Array("journal_applied".utf8)
    /// A checkpoint runs once the records since the last one take this much of the file.
    static let checkpointBytesDefault = 8 << 20

    private struct State {
        /// The latest signer state this journal took, staged or durable (nil: none since the
        /// store opened).
        var latest: SignerState?
        /// Records flushed since the last checkpoint, for the next one.
        var pending: [ConsensusJournal.Record] = []
        /// Entries staged and not yet flushed, in order.
        var staged: [JournalEntry] = []
    }

    let journal: ConsensusJournal
    let environment: LMDBEnvironment
    let databases: ChainDatabases
    let checkpointBytes: Int
    private let state = Mutex(State())

    private init(journal: ConsensusJournal, environment: LMDBEnvironment, databases: ChainDatabases, checkpointBytes: Int) {
        self.journal = journal
        self.environment = environment
        self.databases = databases
        self.checkpointBytes = checkpointBytes
    }

    /// Opens the journal in `directory` (creating it), folds what it holds into LMDB and starts
    /// it over.
    static func open(directory: String, environment: LMDBEnvironment, databases: ChainDatabases,
                     checkpointBytes: Int = checkpointBytesDefault) throws -> SignerJournal {
        let (journal, records) = try ConsensusJournal.open(path: directory + "/" + fileName)
        let opened = SignerJournal(journal: journal, environment: environment, databases: databases, checkpointBytes: checkpointBytes)
        try opened.checkpoint(records)
        return opened
    }

    /// The later of the journal's latest state and LMDB's (which an adoption or a raised floor
    /// may have moved since the store opened).
    func lastSigned() throws -> SignerState? {
        let latest = state.withLock { $0.latest }
        return Self.later(latest, try environment.read { try DoubleSignGuard.load($0, databases.signer) })
    }

    /// The guard's decision and write, under the journal's lock (see `DoubleSignGuard.authorize`);
    /// with `flushNow` false the write is staged for the next flush.
    func authorize(_ requested: SignPosition, signBytes: [UInt8], sign: ([UInt8]) throws -> Signature,
                   signedVote: (Signature) -> Vote?, walRecords: (Signature) -> [JournalEntry.WALRecord],
                   flushNow: Bool = true) throws -> Signature {
        let requestedHash = Hash.sha256(signBytes)
        return try state.withLock { state in
            let stored = try environment.read { try DoubleSignGuard.load($0, databases.signer) }
            if let last = Self.later(state.latest, stored) {
                if requested < last.position {
                    throw SignerRefusal.regression(requested: requested, lastSigned: last.position)
                }
                if requested == last.position {
                    guard requestedHash == last.signBytesHash else {
                        throw SignerRefusal.conflict(position: requested, signedHash: last.signBytesHash, requestedHash: requestedHash)
                    }
                    let records = walRecords(last.signature)
                    if !records.isEmpty {
                        try stage(JournalEntry(signerState: nil, walRecords: records), flushNow: flushNow, &state)
                    } else if flushNow {
                        // The stored signature may itself be staged: asked to flush, flush it too.
                        try flushStaged(&state)
                    }
                    return last.signature
                }
            }
            let signature = try sign(signBytes)
            let new = SignerState(position: requested, signBytesHash: requestedHash, signature: signature, vote: signedVote(signature))
            try stage(JournalEntry(signerState: new, walRecords: walRecords(signature)), flushNow: flushNow, &state)
            state.latest = new
            return signature
        }
    }

    /// The latest state this journal took since the store opened, without LMDB's.
    var latestAppended: SignerState? { state.withLock { $0.latest } }

    /// Folds the records flushed since the last checkpoint into LMDB and closes the journal
    /// (the store is closing). Records it could not fold wait for the next open; entries still
    /// staged were never flushed, so no signature they hold left the process, and are dropped.
    func close() {
        state.withLock { state in
            if !state.pending.isEmpty, (try? checkpoint(state.pending)) != nil { state.pending = [] }
            journal.close()
        }
    }

    /// Makes WAL records durable without a signature (the driver's buffer filled), after any
    /// staged records.
    func appendWAL(_ records: [JournalEntry.WALRecord]) throws {
        guard !records.isEmpty else { return }
        try state.withLock { state in try stage(JournalEntry(signerState: nil, walRecords: records), flushNow: true, &state) }
    }

    /// Writes the staged entries as one record, with one device flush.
    func flush() throws {
        try state.withLock { state in try flushStaged(&state) }
    }

    /// Stages `entry`; with `flushNow`, flushes it with everything staged before it, and if that
    /// fails takes it back out, so a failed flushing call leaves what was staged as it was.
    private func stage(_ entry: JournalEntry, flushNow: Bool, _ state: inout State) throws {
        state.staged.append(entry)
        guard flushNow else { return }
        do {
            try flushStaged(&state)
        } catch {
            if state.staged.last == entry { state.staged.removeLast() }
            throw error
        }
    }

    private func flushStaged(_ state: inout State) throws {
        guard !state.staged.isEmpty else { return }
        for (payload, entries) in Self.payloads(merging: state.staged) {
            let sequence = try journal.append(payload)
            state.pending.append(ConsensusJournal.Record(sequence: sequence, payload: payload))
            // Written: no longer staged, whatever becomes of the entries after it.
            state.staged.removeFirst(entries)
        }
        if journal.bytesUsed >= checkpointBytes {
            try checkpoint(state.pending)
            state.pending = []
        }
    }

    /// The records to append for the staged entries, each with how many entries it completes:
    /// one holding the latest signer state and every WAL record in order, unless it would exceed
    /// a record's limits (a rare burst of blocks in the WAL buffer); then each entry as it was
    /// staged, itself split if it is too large (`parts`).
    static func payloads(merging staged: [JournalEntry]) -> [(payload: [UInt8], entries: Int)] {
        if staged.count > 1 {
            let walRecords = staged.flatMap(\.walRecords)
            let merged = JournalEntry(signerState: staged.last { $0.signerState != nil }?.signerState, walRecords: walRecords).canonicalBytes
            if Self.fitsOneRecord(walRecords: walRecords.count, bytes: merged.count) { return [(merged, staged.count)] }
        }
        return staged.flatMap { entry in
            let parts = Self.parts(of: entry)
            return parts.indices.map { (parts[$0], $0 == parts.count - 1 ? 1 : 0) }
        }
    }

    /// Whether an entry of `walRecords` WAL records, `bytes` encoded, is one journal record that
    /// appends and decodes.
    static func fitsOneRecord(walRecords: Int, bytes: Int) -> Bool {
        walRecords <= ConsensusWAL.recordsPerHeightMax && bytes <= ConsensusJournal.payloadBytesMax
    }

    /// `entry` as records within a record's limits: itself, or its WAL records in order over
    /// several, the signer state with the last. A WAL record alone always fits
    /// (`ConsensusWAL.recordBytesMax` leaves room under `ConsensusJournal.payloadBytesMax`).
    static func parts(of entry: JournalEntry) -> [[UInt8]] {
        let whole = entry.canonicalBytes
        if Self.fitsOneRecord(walRecords: entry.walRecords.count, bytes: whole.count) { return [whole] }
        // Room for the version, the signer state and the counts beside the records' bytes.
        let chunkBytesMax = ConsensusJournal.payloadBytesMax - (32 << 10)
        var chunks: [[JournalEntry.WALRecord]] = [[]]
        var chunkBytes = 0
        for record in entry.walRecords {
            let bytes = record.bytes.count + 16
            if !chunks[chunks.count - 1].isEmpty,
               chunkBytes + bytes > chunkBytesMax || chunks[chunks.count - 1].count == ConsensusWAL.recordsPerHeightMax {
                chunks.append([])
                chunkBytes = 0
            }
            chunks[chunks.count - 1].append(record)
            chunkBytes += bytes
        }
        return chunks.indices.map { index in
            JournalEntry(signerState: index == chunks.count - 1 ? entry.signerState : nil, walRecords: chunks[index]).canonicalBytes
        }
    }

    /// Folds `records` into LMDB (those past what it took), durably, then starts the journal over.
    private func checkpoint(_ records: [ConsensusJournal.Record]) throws {
        let path = journal.path
        let applied = try environment.write { transaction -> UInt64 in
            var applied: UInt64 = 0
            if let bytes = try transaction.get(databases.signer, Self.appliedKey) {
                guard bytes.count == 8 else {
                    throw StoreError.corrupted(path: path, reason: "the journal's applied sequence is \(bytes.count) bytes, not 8")
                }
                applied = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            }
            let fresh = records.filter { $0.sequence > applied }
            guard let last = fresh.last?.sequence else { return applied }
            let nextHeight = try BlockStore.latestHeight(in: transaction, databases) + 1
            let wal = ConsensusWAL(environment: environment, database: databases.wal)
            var stored = try DoubleSignGuard.load(transaction, databases.signer)
            for record in fresh {
                let entry: JournalEntry
                do {
                    entry = try JournalEntry(canonicalBytes: record.payload)
                } catch {
                    // Intact (its digest holds) yet unreadable: not written by this code.
                    throw StoreError.corrupted(path: path, reason: "journal record \(record.sequence) does not decode: \(error)")
                }
                if let new = entry.signerState, stored.map({ $0.position < new.position }) ?? true {
                    try transaction.put(databases.signer, DoubleSignGuard.stateKey, new.canonicalBytes)
                    stored = new
                }
                for walRecord in entry.walRecords where walRecord.height >= nextHeight {
                    try wal.append(height: walRecord.height, record: walRecord.bytes, in: transaction)
                }
            }
            try transaction.put(databases.signer, Self.appliedKey, StoreKey.height(last))
            return last
        }
        try journal.restart(after: max(applied, journal.nextSequence - 1))
    }

    static func later(_ first: SignerState?, _ second: SignerState?) -> SignerState? {
        guard let first else { return second }
        guard let second else { return first }
        return first.position < second.position ? second : first
    }
}
