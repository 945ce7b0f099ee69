import Foundation
import Testing
@testable import RatifyCore

/// Each malformed genesis gets exactly one line naming the file, the field and the fault.
@Suite("genesis errors")
struct GenesisErrorTests {
    private func replacing(_ old: String, with new: String) -> String {
        let text = GenesisFixture.minimal
        precondition(text.contains(old), "fixture lacks \(old)")
        return text.replacingOccurrences(of: old, with: new)
    }

    private var key1: String { GenesisFixture.key(1).publicKey.hex }
    private var key2: String { GenesisFixture.key(2).publicKey.hex }
    private var key3: String { GenesisFixture.key(3).publicKey.hex }

    @Test("a public key one byte short")
    func shortKey() {
        #expect(GenesisFixture.error(replacing(key3, with: String(key3.dropLast(2))))
            == "genesis.json: validators[2].pub_key: expected 32 bytes, got 31")
    }

    @Test("a public key that is not hex")
    func badHex() {
        #expect(GenesisFixture.error(replacing(key2, with: "zz" + key2.dropFirst(2)))
            == "genesis.json: validators[1].pub_key: expected 64 hex digits (32 bytes), got \"zz\(key2.dropFirst(2).prefix(38))...\"")
    }

    @Test("an account address of the wrong length")
    func shortAddress() {
        let address = GenesisFixture.key(1).publicKey.address.hex
        #expect(GenesisFixture.error(replacing(address, with: address + "00"))
            == "genesis.json: accounts[0].address: expected 20 bytes, got 21")
    }

    @Test("a missing required field")
    func missingChainID() {
        #expect(GenesisFixture.error(replacing(#""chain_id": "ratify-test","#, with: ""))
            == "genesis.json: chain_id: required field is missing")
        #expect(GenesisFixture.error(replacing(#", "stake": 10000000}"#, with: "}"))
            == "genesis.json: validators[0].stake: required field is missing")
    }

    @Test("an unknown key, with a suggestion for a typo")
    func unknownKey() {
        let typo = replacing(#""chain_id""#, with: #""consensus": {"timeout_propse_ms": 5}, "chain_id""#)
        #expect(GenesisFixture.error(typo)
            == "genesis.json: consensus.timeout_propse_ms: unknown field; did you mean \"timeout_propose_ms\"?")
        #expect(GenesisFixture.error(replacing(#""chain_id""#, with: #""x": 1, "chain_id""#)).hasPrefix(
            "genesis.json: x: unknown field; expected one of: chain_id, genesis_time, mode,"))
    }

    @Test("a wrong type")
    func wrongType() {
        let text = replacing(#""chain_id""#, with: #""consensus": {"timeout_propose_ms": "abc"}, "chain_id""#)
        #expect(GenesisFixture.error(text)
            == #"genesis.json: consensus.timeout_propose_ms: expected a non-negative integer, got "abc""#)
        #expect(GenesisFixture.error(replacing(#""chain_id": "ratify-test""#, with: #""chain_id": 7"#))
            == "genesis.json: chain_id: expected a string, got 7")
    }

    @Test("a negative or fractional number")
    func negativeNumber() {
        #expect(GenesisFixture.error(replacing(#""stake": 10000000}"#, with: #""stake": -5}"#))
            == "genesis.json: validators[0].stake: expected a non-negative integer, got -5")
        #expect(GenesisFixture.error(replacing(#""stake": 10000000}"#, with: #""stake": 1e7}"#))
            == "genesis.json: validators[0].stake: expected a non-negative integer, got 1e7")
        #expect(GenesisFixture.error(replacing(#""stake": 10000000}"#, with: #""stake": 18446744073709551616}"#))
            == "genesis.json: validators[0].stake: expected a non-negative integer at most 18446744073709551615, got 18446744073709551616")
    }

    @Test("a duplicate validator key or name")
    func duplicateValidator() {
        #expect(GenesisFixture.error(replacing(key3, with: key1))
            == "genesis.json: validators[2].pub_key: duplicate of validators[0].pub_key; each validator needs its own key")
        #expect(GenesisFixture.error(replacing(#""node2""#, with: #""node0""#))
            == #"genesis.json: validators[2].name: duplicate of validators[0].name "node0"; names must be unique"#)
    }

    @Test("an empty validator set in pos mode")
    func emptyValidators() {
        let text = #"{"chain_id": "c", "genesis_time": "2026-01-01T00:00:00Z", "validators": []}"#
        #expect(GenesisFixture.error(text)
            == #"genesis.json: validators: mode "pos" needs at least one validator; add one or use mode "pow""#)
    }

    @Test("a slashing fraction above one or too precise")
    func badFraction() {
        let reason = "expected a decimal fraction from \"0\" to \"1\" with at most 6 decimal places"
        let above = replacing(#""chain_id""#, with: #""staking": {"slash_fraction_downtime": "1.5"}, "chain_id""#)
        #expect(GenesisFixture.error(above) == "genesis.json: staking.slash_fraction_downtime: \(reason), got \"1.5\"")
        let precise = replacing(#""chain_id""#, with: #""staking": {"slash_fraction_double_sign": "0.0000001"}, "chain_id""#)
        #expect(GenesisFixture.error(precise) == "genesis.json: staking.slash_fraction_double_sign: \(reason), got \"0.0000001\"")
    }

    @Test("a downtime window counted in blocks, in a window of block time, or a block count for the share to sign")
    func downtimeWindow() {
        let blocks = replacing(#""chain_id""#, with: #""staking": {"downtime_window": 100}, "chain_id""#)
        #expect(GenesisFixture.error(blocks) == "genesis.json: staking.downtime_window: the downtime window is block time now: use staking.downtime_window_ms (e.g. 600000 for 10 minutes), and min_signed_per_window as a fraction (e.g. \"0.5\")")
        let short = replacing(#""chain_id""#, with: #""staking": {"downtime_window_ms": 999}, "chain_id""#)
        #expect(GenesisFixture.error(short) == "genesis.json: staking.downtime_window_ms: expected 1000 to 2592000000 milliseconds of block time, got 999")
        let count = replacing(#""chain_id""#, with: #""staking": {"min_signed_per_window": 50}, "chain_id""#)
        #expect(GenesisFixture.error(count).hasPrefix("genesis.json: staking.min_signed_per_window: expected a decimal fraction"))
        let window = replacing(#""chain_id""#, with: #""staking": {"downtime_window_ms": 60000, "min_signed_per_window": "0.25"}, "chain_id""#)
        #expect((try? GenesisFixture.decode(window)).map { ($0.staking.downtimeWindowMillis, $0.staking.minSignedPerWindow.value) } ?? (0, 0) == (60_000, 250_000))
    }

    @Test("a zero minimum fee, which would let fresh keys write state for free, and one beyond 64 bits")
    func minFee() {
        let zero = replacing(#""chain_id""#, with: #""staking": {"min_fee": 0}, "chain_id""#)
        #expect(GenesisFixture.error(zero) == "genesis.json: staking.min_fee: expected at least 1, got 0")
        let huge = replacing(#""chain_id""#, with: #""staking": {"min_fee": "18446744073709551616"}, "chain_id""#)
        #expect(GenesisFixture.error(huge).hasPrefix("genesis.json: staking.min_fee: expected a non-negative integer"))
        let most = replacing(#""chain_id""#, with: #""staking": {"min_fee": "18446744073709551615"}, "chain_id""#)
        #expect((try? GenesisFixture.decode(most))?.staking.minFee == UInt64.max)
    }

    @Test("a validator with more power than its share of the set's limit")
    func powerPerValidator() {
        let text = replacing(#""stake": 10000000}"#, with: #""stake": "20000000000000000"}"#)
            .replacingOccurrences(of: #""chain_id""#, with: #""staking": {"power_unit": 1}, "chain_id""#)
        #expect(GenesisFixture.error(text)
            == "genesis.json: validators[0].stake: voting power 20000000000000000 exceeds 11529215046068469, the most one of staking.max_validators 100 validators may have; raise staking.power_unit")
    }

    @Test("a chain id with a space or too long")
    func badChainID() {
        #expect(GenesisFixture.error(replacing(#""ratify-test""#, with: #""my chain""#))
            == #"genesis.json: chain_id: expected 1 to 50 characters from A-Z a-z 0-9 . _ -, got "my chain""#)
        let long = String(repeating: "a", count: 51)
        #expect(GenesisFixture.error(replacing(#""ratify-test""#, with: "\"\(long)\"")).hasPrefix(
            "genesis.json: chain_id: expected 1 to 50 characters"))
    }

    @Test("invalid JSON names line and column")
    func invalidJSON() {
        // The comma after "ratify-test" removed: line 3 begins with the next key.
        #expect(GenesisFixture.error(replacing(#""ratify-test","#, with: #""ratify-test""#))
            == "genesis.json: line 3, column 3: invalid JSON: unexpected '\"'; expected ',' or '}' after an object member")
        #expect(GenesisFixture.error("") == "genesis.json: line 1, column 1: invalid JSON: the file is empty; expected a JSON object")
        #expect(GenesisFixture.error("{\"a\": [1, 2,]}") == "genesis.json: line 1, column 13: invalid JSON: unexpected ']'; expected a value")
    }

    @Test("a duplicate key names the path and where it repeats")
    func duplicateKey() {
        #expect(GenesisFixture.error(replacing(#""chain_id""#, with: #""mode": "pos", "mode": "pow", "chain_id""#))
            == "genesis.json: mode: duplicate key (again at line 2, column 18); keep one")
    }

    @Test("stake below one unit of power, a bad time, a bad mode, an invalid compact target")
    func semanticRules() {
        #expect(GenesisFixture.error(replacing(#""stake": 10000000}"#, with: #""stake": 999999}"#))
            == "genesis.json: validators[0].stake: 999999 is below staking.power_unit 1000000; a validator needs at least one unit of voting power")
        #expect(GenesisFixture.error(replacing("2026-01-01T00:00:00Z", with: "2026-02-30T00:00:00Z"))
            == #"genesis.json: genesis_time: expected an RFC 3339 UTC time like "2026-01-01T00:00:00Z", got "2026-02-30T00:00:00Z""#)
        #expect(GenesisFixture.error(replacing(#""chain_id""#, with: #""mode": "pos2", "chain_id""#))
            == #"genesis.json: mode: expected "pos", "pow" or "hybrid", got "pos2""#)
        #expect(GenesisFixture.error(replacing(#""chain_id""#, with: #""pow": {"initial_bits": "20ffffff"}, "chain_id""#))
            == "genesis.json: pow.initial_bits: 20ffffff is not a valid compact target: the sign bit (0x00800000) is set, which makes the target negative")
        #expect(GenesisFixture.error(replacing(#""chain_id""#, with: #""consensus": {"timeout_prevote_ms": 0}, "chain_id""#))
            == "genesis.json: consensus.timeout_prevote_ms: expected 1 to 3600000 milliseconds, got 0")
    }
}
