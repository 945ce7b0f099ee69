import RatifyNode
@testable import RatifyOps
import Testing

@Suite("finalized log line")
struct FinalizedLineTests {
    @Test("a validator's line gives its height, latency, store time and per-step breakdown; a follower's has no steps")
    func parse() throws {
        let validator = "2026-11-23T14:00:00+0000 info ratify: app_hash=5ef57d8f189c commit_ms=0.71 hash=54644d39e13b height=12 "
            + "interval_ms=4 latency_ms=3.2 precommit_ms=0.65 prevote_ms=0.52 propose_ms=1.10 round=0 sign_ms=0.90 store_ms=0.4 "
            + "txs=3 [RatifyNode] finalized"
        let line = try #require(FinalizedLine(validator[...]))
        #expect(line.height == 12 && line.round == 0 && line.transactions == 3 && line.latencyMillis == 3.2)
        #expect(line.blockHash == "54644d39e13b")
        #expect(line.storeMillis == 0.4)
        #expect(line.steps == HeightSteps(proposeMillis: 1.1, prevoteMillis: 0.52, precommitMillis: 0.65, commitMillis: 0.71, signMillis: 0.9))

        let follower = "info ratify: app_hash=5ef57d8f189c hash=54644d39e13b height=12 latency_ms=3.9 round=0 store_ms=0.5 stored_with=31 "
            + "txs=3 [RatifyNode] finalized"
        #expect(try #require(FinalizedLine(follower[...])).steps == nil)
        #expect(FinalizedLine("info ratify: height=12 round=0 txs=3 [RatifyNode] finalized") == nil, "no latency or hash")
        #expect(FinalizedLine("info ratify: height=12 [RatifyNode] starting consensus") == nil)
    }
}

@Suite("localnet output")
struct LocalnetOutputTests {
    @Test("a node's error and critical lines are told from the rest by their level")
    func errorLines() {
        #expect(Localnet.isErrorLine("2026-12-07T03:00:00+0000 error ratify: store failed [RatifyNode] stopping"))
        #expect(Localnet.isErrorLine("2026-12-07T03:00:00+0000 critical ratify: journal damaged [RatifyNode] stopping"))
        #expect(!Localnet.isErrorLine("2026-12-07T03:00:00+0000 info ratify: height=12 txs=3 [RatifyNode] finalized"))
        #expect(!Localnet.isErrorLine("2026-12-07T03:00:00+0000 warning ratify: reason=errors_seen [RatifyNode] peer dropped"))
        #expect(!Localnet.isErrorLine("2026-12-07T03:00:00+0000 info ratify: reason=\"read error \" [RatifyNode] peer dropped"),
                "the level, not a word in the line")
        #expect(!Localnet.isErrorLine("error"), "no level after a time")
        #expect(!Localnet.isErrorLine(""))
    }
}
