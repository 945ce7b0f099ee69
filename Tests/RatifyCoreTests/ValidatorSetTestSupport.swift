import Testing
@testable import RatifyCore

/// Helpers for the validator-set tests, which mirror CometBFT's `types/validator_set_test.go`.
enum ValidatorSetFixtures {
    /// CometBFT's tests use `[]byte("foo")` as an address; ours is that, zero-padded to 20.
    static func address(_ name: String) -> Address {
        guard let address = NamedPowerList.address(forName: name) else {
            Issue.record("test name '\(name)' does not fit in an address")
            return .zero
        }
        return address
    }

    /// An address of 19 zero bytes and then `last`, as TestProposerSelection2's addr0...addr2.
    static func address(lastByte last: UInt8) -> Address {
        Address(raw: Bytes20([UInt8](repeating: 0, count: 19) + [last]) ?? .zero)
    }

    /// A validator named as in CometBFT's tests (`newValidator([]byte(name), power)`).
    static func validator(_ name: String, _ power: Int64, priority: Int64 = 0) -> Validator {
        Validator(address: address(name), publicKey: key(for: name), votingPower: power, proposerPriority: priority)
    }

    static func update(_ name: String, _ power: Int64) -> ValidatorUpdate {
        ValidatorUpdate(address: address(name), publicKey: key(for: name), votingPower: power)
    }

    /// A distinct, stable stand-in key per name (keys play no part in proposer selection).
    static func key(for name: String) -> PublicKey {
        PublicKey(raw: Hash.sha256(Array(name.utf8)).raw)
    }

    static func set(_ entries: [(String, Int64)]) throws -> ValidatorSet {
        try ValidatorSet(validators: entries.map { validator($0.0, $0.1) })
    }

    static func names(_ set: ValidatorSet) -> [String] {
        set.validators.map { name(of: $0.address) }
    }

    static func name(of address: Address) -> String {
        String(decoding: address.bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    static func namesAndPowers(_ set: ValidatorSet) -> [String] {
        set.validators.map { "\(name(of: $0.address)):\($0.votingPower)" }
    }

    /// CometBFT's verifyValidatorSet: priorities centred (sum in (-n, n)) and scaled (spread at
    /// most 2 × total), total consistent with the members.
    static func expectCentredAndScaled(_ set: ValidatorSet, sourceLocation: SourceLocation = #_sourceLocation) {
        let n = Int128(set.count)
        let sum = set.validators.reduce(Int128(0)) { $0 + Int128($1.proposerPriority) }
        #expect(sum > -n && sum < n, "priority sum \(sum) not in (-\(n), \(n))", sourceLocation: sourceLocation)
        let priorities = set.validators.map(\.proposerPriority)
        let spread = (priorities.max() ?? 0) - (priorities.min() ?? 0)
        #expect(spread <= ValidatorSet.priorityWindowSizeFactor * set.totalVotingPower,
                "priority spread \(spread) exceeds the window", sourceLocation: sourceLocation)
        #expect(set.totalVotingPower == set.validators.reduce(0) { $0 + $1.votingPower }, sourceLocation: sourceLocation)
    }
}
