import RatifyCore
import Testing
@testable import RatifyStore

@Suite("double-sign guard")
struct DoubleSignGuardTests {
    static let genesis = Hash.sha256(Array("signer test genesis".utf8))
    struct SignerDown: Error {}

    /// Counts how often the key was asked to sign.
    final class CountingKey {
        let key = KeyPair.generate()
        var signatures = 0
        func sign(_ bytes: [UInt8]) -> Signature {
            signatures += 1
            return key.sign(bytes)
        }
    }

    /// A fresh directory with an LMDB environment and the chain's databases, as a signer journal
    /// sits in a store, for `body`; removed afterwards.
    static func withJournalStore(_ body: (_ path: String, LMDBEnvironment, ChainDatabases) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let environment = try LMDBEnvironment.open(directory: directory.path)
        defer { environment.close() }
        try body(directory.path, environment, try ChainDatabases.open(in: environment))
    }

    @Test("the same position and bytes return the stored signature, also after reopening, without signing again")
    func sameBytesSameSignature() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = CountingKey()
        let bytes = Array("vote h5 r0 prevote block A".utf8)
        var store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        let first = try store.signer.authorize(height: 5, round: 0, step: .prevote, signBytes: bytes, sign: key.sign)
        let second = try store.signer.authorize(height: 5, round: 0, step: .prevote, signBytes: bytes, sign: key.sign)
        #expect(first == second)
        #expect(key.signatures == 1)
        store.close()

        store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        let third = try store.signer.authorize(height: 5, round: 0, step: .prevote, signBytes: bytes, sign: key.sign)
        #expect(third == first)
        #expect(key.signatures == 1)
        #expect(key.key.publicKey.verify(third, message: bytes))
        let last = try store.signer.lastSigned()
        #expect(last?.position == SignPosition(height: 5, round: 0, step: .prevote))
        #expect(last?.signBytesHash == Hash.sha256(bytes))
    }

    @Test("different bytes at the last signed position are refused as a conflict, also after reopening")
    func conflictingBytes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = CountingKey()
        var store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        _ = try store.signer.authorize(height: 7, round: 2, step: .precommit, signBytes: Array("block A".utf8), sign: key.sign)
        let position = SignPosition(height: 7, round: 2, step: .precommit)
        let expected = SignerRefusal.conflict(
            position: position, signedHash: Hash.sha256(Array("block A".utf8)), requestedHash: Hash.sha256(Array("block B".utf8)))
        #expect(throws: expected) {
            _ = try store.signer.authorize(height: 7, round: 2, step: .precommit, signBytes: Array("block B".utf8), sign: key.sign)
        }
        store.close()
        store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        #expect(throws: expected) {
            _ = try store.signer.authorize(height: 7, round: 2, step: .precommit, signBytes: Array("block B".utf8), sign: key.sign)
        }
        #expect(key.signatures == 1)
    }

    @Test("an earlier height, round or step is refused as a regression, also after reopening")
    func regressions() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = CountingKey()
        var store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        _ = try store.signer.authorize(height: 10, round: 3, step: .prevote, signBytes: [1], sign: key.sign)
        store.close()
        store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        let last = SignPosition(height: 10, round: 3, step: .prevote)
        let earlier = [
            SignPosition(height: 9, round: 9, step: .precommit),
            SignPosition(height: 10, round: 2, step: .precommit),
            SignPosition(height: 10, round: 3, step: .proposal),
        ]
        for position in earlier {
            #expect(throws: SignerRefusal.regression(requested: position, lastSigned: last)) {
                _ = try store.signer.authorize(
                    height: position.height, round: position.round, step: position.step, signBytes: [1], sign: key.sign)
            }
        }
        #expect(key.signatures == 1)
        // Forward is fine: the next step, a later round, a later height.
        _ = try store.signer.authorize(height: 10, round: 3, step: .precommit, signBytes: [2], sign: key.sign)
        _ = try store.signer.authorize(height: 10, round: 4, step: .proposal, signBytes: [3], sign: key.sign)
        _ = try store.signer.authorize(height: 11, round: 0, step: .proposal, signBytes: [4], sign: key.sign)
        #expect(key.signatures == 4)
        #expect(try store.signer.lastSigned()?.position == SignPosition(height: 11, round: 0, step: .proposal))
    }

    @Test("when signing fails nothing is recorded and the position can still be signed")
    func failedSignLeavesNoRecord() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        #expect(throws: SignerDown.self) {
            _ = try store.signer.authorize(height: 1, round: 0, step: .prevote, signBytes: [1]) { _ in throw SignerDown() }
        }
        #expect(try store.signer.lastSigned() == nil)
        let key = CountingKey()
        _ = try store.signer.authorize(height: 1, round: 0, step: .prevote, signBytes: [1], sign: key.sign)
        #expect(key.signatures == 1)
    }

    @Test("the signer state encoding round-trips and rejects an unknown step")
    func encoding() throws {
        let state = SignerState(
            position: SignPosition(height: 1 << 40, round: 7, step: .precommit),
            signBytesHash: Hash.sha256([1, 2, 3]), signature: KeyPair.generate().sign([1]))
        let bytes = state.canonicalBytes
        #expect(bytes.count == 111)
        #expect(try SignerState(canonicalBytes: bytes) == state)
        var badStep = bytes
        badStep[13] = 9
        #expect(throws: DecodeError.self) { _ = try SignerState(canonicalBytes: badStep) }
        #expect(throws: DecodeError.self) { _ = try SignerState(canonicalBytes: Array(bytes.dropLast())) }
    }

    static func signedVote(_ key: KeyPair, height: UInt64, round: UInt32, type: VoteType, blockID: BlockID?) -> (vote: Vote, signBytes: [UInt8]) {
        var vote = Vote(type: type, height: height, round: round, blockID: blockID,
                        validatorAddress: key.publicKey.address, validatorIndex: 2)
        let signBytes = vote.signBytes(chainID: "signer-test")
        vote.signature = key.sign(signBytes)
        return (vote, signBytes)
    }

    @Test("the signed vote is stored with the position and survives reopening; a proposal stores none")
    func signedVoteStored() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = KeyPair.generate()
        let block = BlockID(hash: Hash.sha256(Array("block A".utf8)))
        let (vote, signBytes) = Self.signedVote(key, height: 9, round: 1, type: .precommit, blockID: block)
        var store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        let signature = try store.signer.authorize(
            height: 9, round: 1, step: .precommit, signBytes: signBytes, sign: key.sign,
            signedVote: { var signed = vote; signed.signature = $0; return signed })
        #expect(signature == vote.signature)
        store.close()

        // A restarted validator whose WAL lost the vote reads it back, signature and all, and
        // the guard still answers the same request with the same signature.
        store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        #expect(try store.wal.records(height: 9).isEmpty)
        let stored = try #require(try store.signer.lastSigned()?.vote)
        #expect(stored == vote)
        #expect(key.publicKey.verify(stored.signature, message: signBytes))
        #expect(try store.signer.authorize(height: 9, round: 1, step: .precommit, signBytes: signBytes, sign: key.sign) == signature)
        #expect(try store.signer.lastSigned()?.vote == vote)
        // A different vote at that position is still refused, and the stored vote stays.
        let other = Self.signedVote(key, height: 9, round: 1, type: .precommit, blockID: nil)
        #expect(throws: SignerRefusal.self) {
            _ = try store.signer.authorize(height: 9, round: 1, step: .precommit, signBytes: other.signBytes, sign: key.sign,
                                           signedVote: { _ in other.vote })
        }
        #expect(try store.signer.lastSigned()?.vote == vote)

        // The next signature, a proposal, replaces the position and carries no vote.
        _ = try store.signer.authorize(height: 10, round: 0, step: .proposal, signBytes: Array("proposal".utf8), sign: key.sign)
        let proposal = try #require(try store.signer.lastSigned())
        #expect(proposal.position == SignPosition(height: 10, round: 0, step: .proposal))
        #expect(proposal.vote == nil)
        store.close()
    }

    @Test("a signer state written before votes were stored (version 1) still reads, without a vote")
    func versionOneStillReads() throws {
        let position = SignPosition(height: 1 << 40, round: 7, step: .precommit)
        let hash = Hash.sha256([1, 2, 3])
        let signature = KeyPair.generate().sign([1])
        var writer = ByteWriter()
        writer.write(UInt8(1))
        writer.write(position.height)
        writer.write(position.round)
        writer.write(position.step.rawValue)
        writer.write(hash)
        writer.write(signature)
        #expect(writer.bytes.count == 110)
        let decoded = try SignerState(canonicalBytes: writer.bytes)
        #expect(decoded == SignerState(position: position, signBytesHash: hash, signature: signature))
        #expect(decoded.vote == nil)

        let key = KeyPair.generate()
        let (vote, _) = Self.signedVote(key, height: 3, round: 0, type: .prevote, blockID: nil)
        let withVote = SignerState(position: SignPosition(height: 3, round: 0, step: .prevote), signBytesHash: hash,
                                   signature: vote.signature, vote: vote)
        #expect(try SignerState(canonicalBytes: withVote.canonicalBytes) == withVote)
        var unknown = withVote.canonicalBytes
        unknown[0] = 3
        #expect(throws: DecodeError.self) { _ = try SignerState(canonicalBytes: unknown) }
    }

    @Test("signatures with their flush held count at once, reach the journal as one record with the next flush, and are dropped if the journal closes first")
    func heldSignatures() throws {
        try Self.withJournalStore { path, environment, databases in
            let key = CountingKey()
            let journalPath = path + "/" + SignerJournal.fileName
            let precommit = SignPosition(height: 2, round: 0, step: .precommit)
            let proposal = SignPosition(height: 3, round: 0, step: .proposal), prevote = SignPosition(height: 3, round: 0, step: .prevote)
            /// The journal file's records: what a crash would leave.
            func journaled() throws -> [JournalEntry] {
                try (ConsensusJournal.records(atPath: journalPath) ?? []).map { try JournalEntry(canonicalBytes: $0.payload) }
            }
            do {
                let journal = try SignerJournal.open(directory: path, environment: environment, databases: databases)
                func authorize(_ position: SignPosition, flushNow: Bool) throws -> Signature {
                    let bytes = Array("\(position.height) \(position.step)".utf8)
                    return try journal.authorize(position, signBytes: bytes, sign: key.sign, signedVote: { _ in nil },
                                                 walRecords: { _ in [JournalEntry.WALRecord(height: position.height, bytes: bytes)] },
                                                 flushNow: flushNow)
                }
                _ = try authorize(precommit, flushNow: true)
                let proposed = try authorize(proposal, flushNow: false)
                _ = try authorize(prevote, flushNow: false)
                // Held: not on disk, yet the guard's history already counts them.
                #expect(try journaled().compactMap(\.signerState?.position) == [precommit])
                #expect(try journal.lastSigned()?.position == prevote)
                #expect(throws: SignerRefusal.self) { _ = try authorize(proposal, flushNow: false) }
                #expect(throws: SignerRefusal.self) { _ = try authorize(precommit, flushNow: true) }
                #expect(key.signatures == 2 + 1)
                // Asked again for the held prevote with a flush: the same signature, now durable, in
                // one record with the proposal: the later state and the three WAL records in order.
                #expect(try authorize(prevote, flushNow: true) == (try authorize(prevote, flushNow: true)))
                #expect(key.signatures == 3)
                let entries = try journaled()
                #expect(entries.map(\.signerState?.position) == [precommit, prevote, nil])
                #expect(entries[1].walRecords.map(\.bytes) == ["3 proposal", "3 prevote", "3 prevote"].map { Array($0.utf8) })
                #expect(key.key.publicKey.verify(proposed, message: Array("3 proposal".utf8)))
                // Held, then the store closes: never flushed, so never released, and dropped.
                _ = try authorize(SignPosition(height: 3, round: 0, step: .precommit), flushNow: false)
                journal.close()
            }
            let reopened = try SignerJournal.open(directory: path, environment: environment, databases: databases)
            #expect(try reopened.lastSigned()?.position == prevote)
            let wal = ConsensusWAL(environment: environment, database: databases.wal)
            #expect(try wal.records(height: 3) == ["3 proposal", "3 prevote", "3 prevote", "3 prevote"].map { Array($0.utf8) })
        }
    }

    @Test("held entries too large to share a record are appended one by one, one too large alone over several, in order; a flush past the checkpoint size folds them into LMDB")
    func heldEntriesBeyondOneRecord() throws {
        let large = JournalEntry.WALRecord(height: 4, bytes: [UInt8](repeating: 7, count: ConsensusJournal.payloadBytesMax / 2 + 1))
        let small = JournalEntry.WALRecord(height: 4, bytes: [1, 2, 3])
        let staged = [JournalEntry(signerState: nil, walRecords: [large]), JournalEntry(signerState: nil, walRecords: [large, small])]
        #expect(SignerJournal.payloads(merging: staged).map(\.payload) == staged.map(\.canonicalBytes))
        // One entry too large for a record: its WAL records over two, the signer state with the last.
        let state = SignerState(position: SignPosition(height: 4, round: 0, step: .prevote), signBytesHash: Hash.sha256([4]),
                                signature: KeyPair.generate().sign([4]), vote: nil)
        let split = SignerJournal.payloads(merging: [JournalEntry(signerState: state, walRecords: [large, small, large])])
        #expect(split.map(\.entries) == [0, 1])
        #expect(try split.map { try JournalEntry(canonicalBytes: $0.payload) } == [
            JournalEntry(signerState: nil, walRecords: [large, small]), JournalEntry(signerState: state, walRecords: [large]),
        ])
        #expect(split.allSatisfy { $0.payload.count <= ConsensusJournal.payloadBytesMax })
        let fitting = [JournalEntry(signerState: nil, walRecords: [small]), JournalEntry(signerState: nil, walRecords: [small, small])]
        #expect(SignerJournal.payloads(merging: fitting).map(\.payload) == [JournalEntry(signerState: nil, walRecords: [small, small, small]).canonicalBytes])

        try Self.withJournalStore { path, environment, databases in
            let key = KeyPair.generate()
            let journal = try SignerJournal.open(directory: path, environment: environment, databases: databases, checkpointBytes: 1_024)
            for step in [SignStep.proposal, .prevote, .precommit] {
                _ = try journal.authorize(SignPosition(height: 4, round: 0, step: step), signBytes: [step.rawValue], sign: key.sign,
                                          signedVote: { _ in nil }, walRecords: { _ in [JournalEntry.WALRecord(height: 4, bytes: [UInt8](repeating: step.rawValue, count: 600))] },
                                          flushNow: false)
            }
            // Nothing in LMDB yet; the flush passes 1 KiB and checkpoints the one record it wrote.
            #expect(try environment.read { try DoubleSignGuard.load($0, databases.signer) } == nil)
            try journal.flush()
            #expect(try environment.read { try DoubleSignGuard.load($0, databases.signer) }?.position == SignPosition(height: 4, round: 0, step: .precommit))
            #expect(try ConsensusWAL(environment: environment, database: databases.wal).records(height: 4)
                    == [SignStep.proposal, .prevote, .precommit].map { [UInt8](repeating: $0.rawValue, count: 600) })
            #expect(journal.journal.bytesUsed == 0)
        }
    }

    @Test("a flushing authorization whose record the journal refuses returns no signature and leaves nothing staged; what was held before still flushes")
    func refusedRecordLeavesNothingStaged() throws {
        try Self.withJournalStore { path, environment, databases in
            let journal = try SignerJournal.open(directory: path, environment: environment, databases: databases)
            let key = KeyPair.generate()
            let held = SignPosition(height: 5, round: 0, step: .proposal)
            _ = try journal.authorize(held, signBytes: [1], sign: key.sign, signedVote: { _ in nil },
                                      walRecords: { _ in [JournalEntry.WALRecord(height: 5, bytes: [1])] }, flushNow: false)
            let tooLarge = JournalEntry.WALRecord(height: 5, bytes: [UInt8](repeating: 0, count: ConsensusJournal.payloadBytesMax))
            #expect(throws: StoreError.self) {
                _ = try journal.authorize(SignPosition(height: 5, round: 0, step: .prevote), signBytes: [2], sign: key.sign,
                                          signedVote: { _ in nil }, walRecords: { _ in [tooLarge] })
            }
            try journal.flush()
            let entries = try (ConsensusJournal.records(atPath: path + "/" + SignerJournal.fileName) ?? [])
                .map { try JournalEntry(canonicalBytes: $0.payload) }
            #expect(entries.map(\.signerState?.position) == [held])
            #expect(entries.flatMap(\.walRecords).map(\.bytes) == [[1]])
        }
    }

    @Test("past its size the journal folds itself into LMDB and starts over; reopened, the latest state and every height's WAL records are there, in order")
    func journalCheckpointsWhenFull() throws {
        try Self.withJournalStore { path, environment, databases in
            let key = KeyPair.generate()
            let last = SignPosition(height: 60, round: 0, step: .precommit)
            var restarts = 0, lagging = 0
            do {
                let journal = try SignerJournal.open(directory: path, environment: environment, databases: databases,
                                                     checkpointBytes: 2_048)
                for height in UInt64(1)...60 {
                    for step in [SignStep.prevote, .precommit] {
                        let before = journal.journal.bytesUsed
                        _ = try journal.authorize(SignPosition(height: height, round: 0, step: step), signBytes: Array("\(height) \(step)".utf8),
                                                  sign: key.sign, signedVote: { _ in nil },
                                                  walRecords: { _ in [JournalEntry.WALRecord(height: height, bytes: Array("\(height) \(step.rawValue)".utf8))] })
                        if journal.journal.bytesUsed < before { restarts += 1 }
                        #expect(journal.journal.bytesUsed < 2_048)
                        // Between checkpoints LMDB holds an older state; the guard answers with the journal's.
                        let stored = try environment.read { try DoubleSignGuard.load($0, databases.signer) }
                        if stored.map({ $0.position < SignPosition(height: height, round: 0, step: step) }) ?? true { lagging += 1 }
                        #expect(try journal.lastSigned()?.position == SignPosition(height: height, round: 0, step: step))
                    }
                }
                #expect(restarts >= 5)
                #expect(lagging > restarts)
            }
            // As after a crash: a new journal over the same file folds in what the last checkpoint left.
            let reopened = try SignerJournal.open(directory: path, environment: environment, databases: databases)
            #expect(try environment.read { try DoubleSignGuard.load($0, databases.signer) }?.position == last)
            #expect(try reopened.lastSigned()?.position == last)
            let wal = ConsensusWAL(environment: environment, database: databases.wal)
            for height in UInt64(1)...60 {
                #expect(try wal.records(height: height) == [Array("\(height) 2".utf8), Array("\(height) 3".utf8)], "height \(height)")
            }
            #expect(throws: SignerRefusal.self) {
                _ = try reopened.authorize(SignPosition(height: 60, round: 0, step: .prevote), signBytes: [1], sign: key.sign,
                                           signedVote: { _ in nil }, walRecords: { _ in [] })
            }
        }
    }
}
