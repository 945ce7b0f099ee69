import Foundation
import RatifyCore
import Testing
@testable import RatifyStore

@Suite("consensus journal: one flush a record, and what a crash leaves")
struct ConsensusJournalTests {
    static func payload(_ index: Int, bytes: Int = 40) -> [UInt8] {
        (0..<bytes).map { UInt8(truncatingIfNeeded: index &* 31 &+ $0) }
    }

    @Test("records come back after reopening, in order, numbered from 1; the next append follows them")
    func appendAndReopen() throws {
        let directory = try TemporaryDirectory("journal")
        defer { directory.remove() }
        let path = directory.sub("consensus.journal")
        do {
            let (journal, found) = try ConsensusJournal.open(path: path, preallocationBytes: 64 << 10)
            #expect(found.isEmpty)
            for index in 0..<50 { #expect(try journal.append(Self.payload(index)) == UInt64(index + 1)) }
        }
        // Written out ahead: appends do not change the file's size.
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 64 << 10)
        let (journal, found) = try ConsensusJournal.open(path: path, preallocationBytes: 64 << 10)
        #expect(found == (0..<50).map { ConsensusJournal.Record(sequence: UInt64($0 + 1), payload: Self.payload($0)) })
        #expect(try journal.append(Self.payload(50)) == 51)
        let (_, again) = try ConsensusJournal.open(path: path)
        #expect(again.count == 51)
        #expect(again.last?.payload == Self.payload(50))
    }

    @Test("a record torn anywhere, or with a changed byte, ends the journal before it; the records before it stay")
    func tornRecord() throws {
        let directory = try TemporaryDirectory("journal")
        defer { directory.remove() }
        let path = directory.sub("consensus.journal")
        do {
            let (journal, _) = try ConsensusJournal.open(path: path, preallocationBytes: 64 << 10)
            for index in 0..<3 { try journal.append(Self.payload(index)) }
        }
        let pristine = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let frameBytes = ConsensusJournal.frameHeaderBytes + 40
        let third = 2 * frameBytes
        // A crash part-way through the third record's write: only some of its bytes arrived.
        for kept in [1, 4, 12, 44, frameBytes - 1] {
            var torn = pristine
            for index in third + kept..<third + frameBytes { torn[index] = 0 }
            #expect(ConsensusJournal.scan(torn).count == 2, "kept \(kept) bytes of the third record")
        }
        // One changed byte anywhere in a record (length, number, digest or payload).
        for offset in [0, 3, 5, 11, 12, 43, 44, frameBytes - 1] {
            var changed = pristine
            changed[frameBytes + offset] ^= 0x40
            #expect(ConsensusJournal.scan(changed).count == 1, "byte \(offset) of the second record changed")
        }
    }

    @Test("after a restart the records left from before no longer count, even where they are longer than the new ones")
    func restartLeavesStaleRecordsBehind() throws {
        let directory = try TemporaryDirectory("journal")
        defer { directory.remove() }
        let path = directory.sub("consensus.journal")
        do {
            let (journal, _) = try ConsensusJournal.open(path: path, preallocationBytes: 64 << 10)
            for index in 0..<10 { try journal.append(Self.payload(index, bytes: 100)) }
            #expect(throws: StoreError.self) { try journal.restart(after: 5) }
            try journal.restart(after: 12)
            #expect(journal.bytesUsed == 0)
            #expect(try journal.append(Self.payload(100, bytes: 10)) == 13)
            #expect(try journal.append(Self.payload(101, bytes: 10)) == 14)
        }
        let (journal, found) = try ConsensusJournal.open(path: path)
        #expect(found.map(\.sequence) == [13, 14])
        #expect(found.map(\.payload) == [Self.payload(100, bytes: 10), Self.payload(101, bytes: 10)])
        #expect(journal.nextSequence == 15)
        // Restarted and crashed before any append: the old records are all still there, and
        // the caller, who knows it took them up to 12, skips them by number.
        try journal.restart(after: 14)
        let (_, unchanged) = try ConsensusJournal.open(path: path)
        #expect(unchanged.map(\.sequence) == [13, 14])
    }

    @Test("a journal grows past what was written out ahead; a record past the limit, an empty one, or one after close is refused")
    func growthAndLimits() throws {
        let directory = try TemporaryDirectory("journal")
        defer { directory.remove() }
        let path = directory.sub("consensus.journal")
        let (journal, _) = try ConsensusJournal.open(path: path, preallocationBytes: 4 << 10)
        let large = Self.payload(7, bytes: 10_000)
        for _ in 0..<5 { try journal.append(large) }
        #expect(try ConsensusJournal.open(path: path).1.count == 5)
        #expect(throws: StoreError.self) { try journal.append([UInt8](repeating: 1, count: ConsensusJournal.payloadBytesMax + 1)) }
        #expect(throws: StoreError.self) { try journal.append([]) }
        #expect(try journal.append([9]) == 6)
        journal.close()
        #expect(throws: StoreError.self) { try journal.append([10]) }
        #expect(try ConsensusJournal.open(path: path).1.count == 6)
    }

    @Test("a journal that cannot be opened says where and why")
    func unopenable() throws {
        let directory = try TemporaryDirectory("journal")
        defer { directory.remove() }
        #expect {
            try ConsensusJournal.open(path: directory.sub("missing/consensus.journal"))
        } throws: { error in
            "\(error)".contains("missing/consensus.journal")
        }
    }
}
