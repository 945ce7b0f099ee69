import Foundation
import Testing
@testable import RatifyCore

@Suite("genesis")
struct GenesisTests {
    @Test("a minimal genesis gets the documented defaults")
    func defaults() throws {
        let genesis = try GenesisFixture.decode(GenesisFixture.minimal)
        #expect(genesis.chainID == "ratify-test")
        #expect(genesis.mode == .pos)
        #expect(genesis.consensus.timeoutProposeMillis == 3_000)
        #expect(genesis.consensus.timeoutCommitMillis == 1_000)
        #expect(genesis.staking.slashFractionDoubleSign.value == 50_000)
        #expect(genesis.staking.minFee == 1)
        #expect(genesis.pow.initialBits == 0x207f_ffff)
        #expect(genesis.pow.retarget == .asert)
        #expect(genesis.validators.count == 3)
        #expect(genesis.validators[1].publicKey == GenesisFixture.key(2).publicKey)
        #expect(genesis.totalStake == 30_000_000)
        #expect(genesis.power(of: genesis.validators[0]) == 10)
        // Amounts beyond 2^53 arrive as decimal strings and keep every digit.
        #expect(genesis.accounts[0].balance == 18_000_000_000_000_000_000)
    }

    @Test("writing and reading back gives the same genesis and the same hash")
    func roundTrip() throws {
        var genesis = try GenesisFixture.decode(GenesisFixture.minimal)
        genesis.mode = .hybrid
        genesis.consensus.timeoutCommitMillis = 0
        genesis.staking.slashFractionDowntime = PartsPerMillion(clamping: 1)
        genesis.staking.minFee = UInt64.max
        genesis.genesisTime = try #require(GenesisTime(unixSeconds: 1_700_000_000, nanos: 5))
        let text = genesis.jsonText
        let again = try GenesisFixture.decode(text)
        #expect(again == genesis)
        #expect(again.genesisHash == genesis.genesisHash)
        #expect(again.jsonText == text)
        #expect(text.contains(#""balance": "18000000000000000000""#))
        #expect(text.contains(#""slash_fraction_downtime": "0.000001""#))
        #expect(text.contains(#""min_fee": "18446744073709551615""#))
    }

    @Test("the hash ignores whitespace, key order and omitted defaults, and changes with any value")
    func hashStability() throws {
        let minimal = try GenesisFixture.decode(GenesisFixture.minimal)
        // Every default written out, keys of the root reversed, no whitespace at all.
        guard case .object(let members) = minimal.jsonValue else { Issue.record("not an object"); return }
        let reordered = JSONValue.object(members.reversed())
        let compact = JSONWriter.pretty(reordered).filter { $0 != "\n" && $0 != " " }
        let spelledOut = try GenesisFixture.decode(compact)
        #expect(spelledOut.genesisHash == minimal.genesisHash)

        var changed = minimal
        changed.validators[2].stake += 1
        #expect(changed.genesisHash != minimal.genesisHash)
        changed = minimal
        changed.chainID = "ratify-test2"
        #expect(changed.genesisHash != minimal.genesisHash)
        changed = minimal
        changed.staking.minFee = 2
        #expect(changed.genesisHash != minimal.genesisHash)
        #expect(minimal.genesisHash.hex.count == 64)
    }

    @Test("a pow genesis may omit validators; pos and hybrid may not")
    func powWithoutValidators() throws {
        let pow = #"{"chain_id": "c", "genesis_time": "2026-01-01T00:00:00Z", "mode": "pow"}"#
        let genesis = try GenesisFixture.decode(pow)
        #expect(genesis.validators.isEmpty)
        #expect(GenesisFixture.error(pow.replacingOccurrences(of: "\"pow\"", with: "\"hybrid\""))
            == "genesis.json: validators: required field is missing")
    }
}
