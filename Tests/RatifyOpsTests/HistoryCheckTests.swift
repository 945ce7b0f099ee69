import RatifyCore
import RatifyTestSupport
import Testing
import RatifyNode
@testable import RatifyOps

@Suite("history check")
struct HistoryCheckTests {
    static func hash(_ text: String) -> Hash { Hash.sha256(Array(text.utf8)) }

    /// A history of `count` heights whose hashes derive from `label` per height.
    static func history(_ name: String, heights count: Int, label: (Int) -> String = { "h\($0)" },
                        transactions: [Hash: [Height]] = [:]) -> NodeHistory {
        NodeHistory(name: name, heights: (1...count).map { height in
            NodeHistory.HeightRecord(blockHash: hash("block " + label(height)), appHash: hash("app " + label(height)))
        }, transactionHeights: transactions)
    }

    @Test("identical histories of different lengths agree on every height they share")
    func agreement() {
        let report = HistoryCheck.check([Self.history("a", heights: 10), Self.history("b", heights: 7)])
        #expect(report.isClean)
        #expect(report.sharedHeights == 7 && report.latestHeights == [10, 7])
        #expect(report.text.contains("history: OK"))
    }

    @Test("a pruned node is compared over the heights it keeps; its pruned transactions are not lost, a kept one missing is")
    func prunedHistory() {
        let old = Self.hash("old"), recent = Self.hash("recent"), missing = Self.hash("missing")
        let archive = Self.history("archive", heights: 20, transactions: [old: [3], recent: [15], missing: [16]])
        var pruned = Self.history("pruned", heights: 20, transactions: [recent: [15]])
        pruned.heights.removeFirst(11)
        pruned.earliestHeight = 12
        #expect(pruned.latestHeight == 20 && pruned.record(at: 11) == nil && pruned.record(at: 12) == archive.record(at: 12))
        let report = HistoryCheck.check([archive, pruned], acknowledged: [
            .init(hash: old, height: 3), .init(hash: recent, height: 15), .init(hash: missing, height: 16),
        ])
        #expect(report.sharedHeights == 9 && report.disagreements.isEmpty)
        #expect(report.lost.map(\.hash) == [missing.hex] && report.lost.first?.node == "pruned")

        var forged = pruned
        forged.heights[0].blockHash = Self.hash("forged")
        #expect(HistoryCheck.check([archive, forged]).disagreements.map(\.height) == [12])
    }

    @Test("a different app hash at one height is reported as exactly that disagreement")
    func appHashDisagreement() throws {
        var edited = Self.history("b", heights: 8)
        edited.heights[4].appHash = Self.hash("forged")
        let report = HistoryCheck.check([Self.history("a", heights: 8), edited, Self.history("c", heights: 8)])
        #expect(report.disagreements.count == 1)
        let disagreement = try #require(report.disagreements.first)
        #expect(disagreement.height == 5 && disagreement.field == "app hash")
        #expect(disagreement.values["b"]?.hasSuffix(Self.hash("forged").hex) == true)
        #expect(disagreement.values["a"] == disagreement.values["c"])
        #expect(!report.isClean && report.text.contains("height 5: app hash differs"))
    }

    @Test("acknowledged transactions: once everywhere is fine; missing where the chain reaches it is lost; twice is duplicated")
    func acknowledged() {
        let kept = Self.hash("kept"), dropped = Self.hash("dropped"), twice = Self.hash("twice"), late = Self.hash("late")
        let a = Self.history("a", heights: 6, transactions: [kept: [2], dropped: [3], twice: [4], late: [6]])
        let b = Self.history("b", heights: 5, transactions: [kept: [2], twice: [4, 5]])
        let report = HistoryCheck.check([a, b], acknowledged: [
            .init(hash: kept, height: 2), .init(hash: dropped, height: 3), .init(hash: twice, height: 4),
            // b stops at 5: not having a transaction of height 6 yet is not a loss.
            .init(hash: late, height: 6), .init(hash: Self.hash("nowhere"), height: nil),
        ])
        #expect(report.acknowledged == 5)
        #expect(report.lostCount == 2 && report.duplicatedCount == 1)
        #expect(report.lost.contains { $0.hash == dropped.hex && $0.node == "b" })
        #expect(report.lost.contains { $0.hash == Self.hash("nowhere").hex && $0.node == "every node" })
        #expect(report.duplicated.map(\.node) == ["b"])
        #expect(!report.lost.contains { $0.hash == late.hex })
    }

    @Test("conflicting precommits for one height and round are double signs; another round is not")
    func doubleSigns() throws {
        let fixture = try ChainFixture()
        let validators = fixture.state.validators
        let first = fixture.proposal { _, _ in [] }
        var fixtureB = fixture
        let transfer = fixtureB.transfer(ChainFixture.alice)
        let other = fixtureB.proposal { _, _ in [transfer] }
        #expect(first.id != other.id)

        var a = NodeHistory(name: "a"), b = NodeHistory(name: "b"), c = NodeHistory(name: "c")
        a.append(block: first, commit: ChainFixture.commit(for: first, validators: validators), appHash: Self.hash("x"),
                 validators: validators, previousValidators: nil)
        c.append(block: first, commit: ChainFixture.commit(for: first, round: 1, validators: validators), appHash: Self.hash("x"),
                 validators: validators, previousValidators: nil)
        #expect(a.votes.count == 4)
        let clean = HistoryCheck.check([a, c])
        #expect(clean.doubleSigns.isEmpty && clean.votesScanned == 8)

        b.append(block: other, commit: ChainFixture.commit(for: other, validators: validators, absent: [2, 3]), appHash: Self.hash("x"),
                 validators: validators, previousValidators: nil)
        let report = HistoryCheck.check([a, b])
        #expect(report.doubleSigns.count == 2)
        #expect(Set(report.doubleSigns.map(\.validator)) == Set([0, 1].compactMap { validators.validator(atIndex: $0)?.address.hex }))
        #expect(report.doubleSigns.allSatisfy { $0.height == 1 && $0.round == 0 && $0.type == "precommit" && $0.blockIDs.count == 2 })
        #expect(report.disagreements.count == 1, "the two chains also disagree at height 1")
    }

    @Test("the acknowledged file parses hashes with optional heights and names a bad line")
    func acknowledgedFile() throws {
        let one = Self.hash("1"), two = Self.hash("2")
        let text = HistoryCheck.acknowledgedText([.init(hash: one, height: 3), .init(hash: two, height: nil)])
        #expect(try HistoryCheck.parseAcknowledged("# comment\n\n" + text, file: "ack.txt") == [.init(hash: one, height: 3), .init(hash: two, height: nil)])
        #expect(throws: FileFormatError.self) { try HistoryCheck.parseAcknowledged("\(one.hex) 3\nnot-a-hash\n", file: "ack.txt") }
        let error = #expect(throws: FileFormatError.self) { try HistoryCheck.parseAcknowledged("\(one.hex) x\n", file: "ack.txt") }
        #expect(error.map { "\($0)".contains("ack.txt") && "\($0)".contains("line 1") } == true)
    }

    @Test("the report's JSON carries the counts and the disagreement in snake_case")
    func json() {
        var edited = Self.history("b", heights: 3)
        edited.heights[1].blockHash = Self.hash("other")
        let json = HistoryCheck.check([Self.history("a", heights: 3), edited]).json
        #expect(json.contains("\"disagreements\"") && json.contains("\"field\" : \"block hash\"") && json.contains("\"lost_count\" : 0"))
    }
}
