import Testing
@testable import RatifyCore

/// Building sets and applying change sets, against CometBFT's `UpdateWithChangeSet` tests and
/// the worked examples of `spec/consensus/proposer-selection.md`.
@Suite("validator set: building and updates")
struct ValidatorSetUpdateTests {
    typealias F = ValidatorSetFixtures
    static let maxVP = ValidatorSet.totalVotingPowerMax

    // MARK: Building

    @Test("a new set is sorted by power descending then address, with a total and O(1) lookup")
    func newSetOrderAndLookup() throws {
        let set = try F.set([("v1", 10), ("v3", 30), ("v2", 10), ("v4", 40)])
        #expect(F.namesAndPowers(set) == ["v4:40", "v3:30", "v1:10", "v2:10"])
        #expect(set.totalVotingPower == 90)
        #expect(set.index(of: F.address("v1")) == 2)
        #expect(set.index(of: F.address("v9")) == nil)
        #expect(set.validator(at: F.address("v3"))?.votingPower == 30)
        #expect(set.validator(atIndex: 4) == nil)
        #expect(set.validator(atIndex: -1) == nil)
        #expect(set.validator(atIndex: 0)?.address == F.address("v4"))
        F.expectCentredAndScaled(set)
    }

    @Test("a new set ignores the priorities its validators carry, as NewValidatorSet does")
    func newSetIgnoresGivenPriorities() throws {
        let plain = try F.set([("a", 10), ("b", 10)])
        let primed = try ValidatorSet(validators: [F.validator("a", 10, priority: -500), F.validator("b", 10, priority: 900)])
        #expect(plain == primed)
        #expect(plain.validators.map(\.proposerPriority) == [-10, 10])
    }

    @Test("TestUpdatesForNewValidatorSet and friends: invalid member lists are refused with the reason")
    func newSetErrors() {
        #expect(throws: ValidatorSetError.empty) { try ValidatorSet(validators: []) }
        #expect(throws: ValidatorSetError.duplicateAddress(F.address("v1"))) {
            try F.set([("v1", 100), ("v1", 123), ("v1", 234)])
        }
        #expect(throws: ValidatorSetError.zeroVotingPower(F.address("v1"))) {
            try F.set([("v1", 0), ("v2", 22), ("v3", 33)])
        }
        #expect(throws: ValidatorSetError.negativeVotingPower(F.address("v2"), votingPower: -20)) {
            try F.set([("v1", 10), ("v2", -20), ("v3", 30)])
        }
        // TestValidatorSetTotalVotingPowerPanicsOnOverflow, as an error rather than a panic.
        #expect(throws: ValidatorSetError.votingPowerTooLarge(F.address("a"), votingPower: .max, max: Self.maxVP)) {
            try F.set([("a", .max), ("b", .max), ("c", .max)])
        }
        #expect(throws: ValidatorSetError.totalVotingPowerTooLarge(max: Self.maxVP)) {
            try F.set([("a", Self.maxVP / 2 + 1), ("b", Self.maxVP / 2 + 1)])
        }
    }

    @Test("a total of exactly the cap is allowed")
    func totalAtCap() throws {
        let set = try F.set([("a", Self.maxVP - 100), ("b", 100)])
        #expect(set.totalVotingPower == Self.maxVP)
        F.expectCentredAndScaled(set)
    }

    @Test("more than CodecLimits.validatorsMax validators is refused")
    func tooManyValidators() {
        let count = CodecLimits.validatorsMax + 1
        let validators = (0..<count).map { index -> Validator in
            var bytes = [UInt8](repeating: 0, count: 20)
            bytes[0] = UInt8(index >> 8 & 0xFF)
            bytes[1] = UInt8(index & 0xFF)
            bytes[2] = 1
            return Validator(address: Address(bytes) ?? .zero, publicKey: PublicKey(raw: .zero), votingPower: 1)
        }
        #expect(throws: ValidatorSetError.tooManyValidators(count: count, max: CodecLimits.validatorsMax)) {
            try ValidatorSet(validators: validators)
        }
    }

    // MARK: New validators' priority

    @Test("a new validator starts at -(total + total >> 3): -13 for a total of 12, as the spec's example")
    func newValidatorStartingPriority() {
        #expect(ValidatorSet.newValidatorPriority(totalAfterUpdatesBeforeRemovals: 12) == -13)
        #expect(ValidatorSet.newValidatorPriority(totalAfterUpdatesBeforeRemovals: 80_010) == -90_011)
        #expect(ValidatorSet.newValidatorPriority(totalAfterUpdatesBeforeRemovals: 7) == -7)  // no penalty below 8
        let largest = 2 * Self.maxVP
        #expect(ValidatorSet.newValidatorPriority(totalAfterUpdatesBeforeRemovals: largest) == -(largest + largest / 8))
    }

    @Test("adding c:20 to a:10, b:10 after one round: c starts at -45, then all shift by the average -15")
    func addingAValidatorWorkedExample() throws {
        let set = try F.set([("a", 10), ("b", 10)])
        #expect(set.validators.map(\.proposerPriority) == [-10, 10])
        let updated = try set.updating(with: [F.update("c", 20)])
        #expect(F.names(updated) == ["c", "a", "b"])
        #expect(updated.validators.map(\.proposerPriority) == [-30, 5, 25])
        #expect(F.name(of: updated.proposer.address) == "b")
        #expect(set.count == 2, "the receiver is unchanged")
    }

    @Test("spec, New Validator: p3 with 8 joins p1 (1, at 2) and p2 (3, at -2) at -13, then centring floors")
    func specNewValidatorExample() throws {
        let set = ValidatorSet(uncheckedOrdered: [F.validator("p2", 3, priority: -2), F.validator("p1", 1, priority: 2)])
        let updated = try set.updating(with: [F.update("p3", 8)])
        // -13 before centring; the average of 2, -2, -13 is floor(-13 / 3) = -5 (the spec's table
        // shows -4, truncating; the code it documents floors).
        #expect(F.names(updated) == ["p3", "p2", "p1"])
        #expect(updated.validators.map(\.proposerPriority) == [-8, 3, 7])
        let next = updated.copyIncrementingProposerPriority(times: 1)
        #expect(F.name(of: next.proposer.address) == "p1")
        #expect(next.validators.map(\.proposerPriority) == [0, 6, -4])
    }

    @Test("spec, Validator Removal: removing p2 centres p1, p3 to 2, -2 and p1 proposes next")
    func specRemovalExample() throws {
        let set = ValidatorSet(uncheckedOrdered: [
            F.validator("p3", 3, priority: -3), F.validator("p2", 2, priority: 2), F.validator("p1", 1, priority: 1),
        ])
        let updated = try set.updating(with: [F.update("p2", 0)])
        #expect(F.names(updated) == ["p3", "p1"])
        #expect(updated.validators.map(\.proposerPriority) == [-2, 2])
        let next = updated.copyIncrementingProposerPriority(times: 1)
        #expect(F.name(of: next.proposer.address) == "p1")
        #expect(next.validators.map(\.proposerPriority) == [1, -1])
    }

    @Test("changing an existing validator's power keeps its priority and takes the new key")
    func updateKeepsPriority() throws {
        let set = try F.set([("a", 10), ("b", 10)])
        let newKey = PublicKey(raw: Hash.sha256([1, 2, 3]).raw)
        let updated = try set.updating(with: [ValidatorUpdate(address: F.address("a"), publicKey: newKey, votingPower: 30)])
        #expect(updated.validator(at: F.address("a"))?.proposerPriority == -10)
        #expect(updated.validator(at: F.address("a"))?.publicKey == newKey)
        #expect(updated.totalVotingPower == 40)
    }

    @Test("an empty change set changes nothing")
    func emptyChangeSet() throws {
        let set = try F.set([("a", 10), ("b", 20)])
        #expect(try set.updating(with: []) == set)
    }

    // MARK: CometBFT's update tables

    @Test("TestValSetUpdatesBasicTestsExecute: the resulting members and their order")
    func cometBasicUpdates() throws {
        let cases: [(start: [(String, Int64)], changes: [(String, Int64)], expected: [String])] = [
            ([("v1", 10), ("v2", 10)], [("v2", 22), ("v1", 11)], ["v2:22", "v1:11"]),
            ([("v2", 20), ("v1", 10)], [("v4", 40), ("v3", 30)], ["v4:40", "v3:30", "v2:20", "v1:10"]),
            ([("v3", 20), ("v1", 10)], [("v2", 30)], ["v2:30", "v3:20", "v1:10"]),
            ([("v3", 20), ("v2", 10)], [("v1", 30)], ["v1:30", "v3:20", "v2:10"]),
            ([("v3", 30), ("v2", 20), ("v1", 10)], [("v2", 0)], ["v3:30", "v1:10"]),
        ]
        for (start, changes, expected) in cases {
            let set = try F.set(start)
            let updated = try set.updating(with: changes.map { F.update($0.0, $0.1) })
            #expect(F.namesAndPowers(updated) == expected)
            F.expectCentredAndScaled(updated)
        }
    }

    @Test("TestValSetUpdatesDuplicateEntries: a repeated address is refused and the set kept")
    func cometDuplicateEntries() throws {
        let cases: [(start: Int, changes: [(String, Int64)], duplicate: String)] = [
            (2, [("v1", 11), ("v1", 22)], "v1"),
            (2, [("v2", 11), ("v2", 22)], "v2"),
            (2, [("v1", 11), ("v2", 22), ("v1", 12)], "v1"),
            (3, [("v1", 11), ("v3", 22), ("v1", 12)], "v1"),
            (2, [("v1", 0), ("v1", 0)], "v1"),
            (2, [("v2", 0), ("v2", 0)], "v2"),
            (2, [("v1", 0), ("v2", 0), ("v1", 0)], "v1"),
            (3, [("v1", 0), ("v3", 0), ("v1", 0)], "v1"),
            (2, [("v1", 0), ("v2", 20), ("v1", 30)], "v1"),
            (2, [("v1", 0), ("v2", 20), ("v2", 30), ("v1", 0)], "v1"),
            (3, [("v1", 0), ("v3", 5), ("v2", 20), ("v2", 30), ("v1", 0)], "v1"),
        ]
        for (start, changes, duplicate) in cases {
            let set = try F.set((1...start).map { ("v\($0)", 10) })
            let before = set
            #expect(throws: ValidatorSetError.duplicateAddress(F.address(duplicate))) {
                try set.updating(with: changes.map { F.update($0.0, $0.1) })
            }
            #expect(set == before)
        }
    }

    @Test("TestValSetUpdatesOverflows: powers and totals over the cap are refused")
    func cometOverflows() throws {
        let maxVP = Self.maxVP
        let cases: [(start: [(String, Int64)], changes: [(String, Int64)], error: ValidatorSetError)] = [
            ([("v1", 10), ("v2", 10)], [("v1", .max)],
             .votingPowerTooLarge(F.address("v1"), votingPower: .max, max: maxVP)),
            ([("v1", 10), ("v2", 10)], [("v2", .max)],
             .votingPowerTooLarge(F.address("v2"), votingPower: .max, max: maxVP)),
            ([("v1", maxVP)], [("v2", .max)], .votingPowerTooLarge(F.address("v2"), votingPower: .max, max: maxVP)),
            ([("v1", maxVP - 1)], [("v2", 5)], .totalVotingPowerTooLarge(max: maxVP)),
            ([("v1", maxVP / 3), ("v2", maxVP / 3)], [("v3", maxVP / 2)], .totalVotingPowerTooLarge(max: maxVP)),
            ([("v1", maxVP)], [("v2", maxVP)], .totalVotingPowerTooLarge(max: maxVP)),
        ]
        for (start, changes, error) in cases {
            let set = try F.set(start)
            #expect(throws: error) { try set.updating(with: changes.map { F.update($0.0, $0.1) }) }
        }
    }

    @Test("TestValSetUpdatesOtherErrors: negative power, unknown removal, removing everyone")
    func cometOtherErrors() throws {
        let two = try F.set([("v1", 10), ("v2", 10)])
        #expect(throws: ValidatorSetError.negativeVotingPower(F.address("v1"), votingPower: -123)) {
            try two.updating(with: [F.update("v1", -123)])
        }
        #expect(throws: ValidatorSetError.negativeVotingPower(F.address("v2"), votingPower: -123)) {
            try two.updating(with: [F.update("v2", -123)])
        }
        #expect(throws: ValidatorSetError.removingUnknownValidator(F.address("v3"))) {
            try two.updating(with: [.removal(of: F.address("v3"))])
        }
        let three = try F.set([("v1", 10), ("v2", 20), ("v3", 30)])
        #expect(throws: ValidatorSetError.empty) {
            try three.updating(with: [F.update("v1", 0), F.update("v2", 0), F.update("v3", 0)])
        }
    }

    @Test("TestValSetUpdateOverflowRelated: large swaps near the cap do not raise false overflows")
    func cometOverflowRelated() throws {
        let maxVP = Self.maxVP
        let cases: [(start: [(String, Int64)], changes: [(String, Int64)], expected: [String])] = [
            ([("v2", maxVP - 1), ("v1", 1)], [("v1", maxVP - 1), ("v2", 1)], ["v1:\(maxVP - 1)", "v2:1"]),
            ([("v2", maxVP - 1), ("v1", 1)], [("v1", maxVP / 2 - 1), ("v2", maxVP / 2)],
             ["v2:\(maxVP / 2)", "v1:\(maxVP / 2 - 1)"]),
            ([("v1", maxVP - 2), ("v2", 1), ("v3", 1)], [("v4", maxVP - 2), ("v1", 0)],
             ["v4:\(maxVP - 2)", "v2:1", "v3:1"]),
            ([("v1", maxVP / 4), ("v2", maxVP / 4), ("v3", maxVP / 4), ("v4", maxVP / 4)],
             [("v5", 3), ("v1", maxVP / 2 - 2), ("v3", maxVP / 2 - 3), ("v4", 2), ("v2", 0)],
             ["v1:\(maxVP / 2 - 2)", "v3:\(maxVP / 2 - 3)", "v5:3", "v4:2"]),
        ]
        for (start, changes, expected) in cases {
            let set = try F.set(start)
            let updated = try set.updating(with: changes.map { F.update($0.0, $0.1) })
            #expect(F.namesAndPowers(updated) == expected)
            F.expectCentredAndScaled(updated)
        }
        // Case 5: eight validators raised to the cap at once is refused, the set kept.
        let nine = try F.set((1...9).map { ("v\($0)", 1) })
        let changes = (1...8).map { F.update("v\($0)", maxVP) } + [F.update("v9", 8)]
        #expect(throws: ValidatorSetError.totalVotingPowerTooLarge(max: maxVP)) { try nine.updating(with: changes) }
    }

    @Test("TestValSetUpdatesOrderIndependenceTestsExecute: every permutation of a change set gives the same set")
    func cometOrderIndependence() throws {
        let start = try F.set([("v4", 40), ("v3", 30), ("v2", 20), ("v1", 10)])
        let changes = [F.update("v1", 0), F.update("v3", 0), F.update("v2", 22), F.update("v5", 50), F.update("v4", 44)]
        let expected = try start.updating(with: changes)
        F.expectCentredAndScaled(expected)
        for permutation in Self.permutations(changes) {
            #expect(try start.updating(with: permutation) == expected)
        }
    }

    @Test("TestValSetUpdatePriorityOrderTests: added validators take the lowest, equal priorities", arguments: [1, 2, 7, 100, 4_999])
    func cometPriorityOrder(roundsBefore: Int) throws {
        let cases: [(start: [(String, Int64)], changes: [(String, Int64)], added: [String], expected: [String])] = [
            ([("v3", 1000), ("v1", 1), ("v2", 1)], [("v3", 0)], [], ["v1:1", "v2:1"]),
            ([("v3", 1000), ("v2", 10), ("v1", 1)], [("v3", 0)], [], ["v2:10", "v1:1"]),
            ([("v3", 1000), ("v2", 2), ("v1", 1)], [("v5", 50), ("v4", 40), ("v2", 1), ("v3", 0)], ["v5", "v4"],
             ["v5:50", "v4:40", "v1:1", "v2:1"]),
        ]
        for (start, changes, added, expected) in cases {
            let set = try F.set(start).copyIncrementingProposerPriority(times: roundsBefore)
            let updated = try set.updating(with: changes.map { F.update($0.0, $0.1) })
            #expect(F.namesAndPowers(updated) == expected)
            F.expectCentredAndScaled(updated)
            guard !added.isEmpty else { continue }
            let byPriority = updated.validators.sorted {
                ($0.proposerPriority, $0.address) < ($1.proposerPriority, $1.address)
            }
            let lowest = byPriority.prefix(added.count)
            #expect(Set(lowest.map { F.name(of: $0.address) }) == Set(added), "rounds before \(roundsBefore)")
            #expect(Set(lowest.map(\.proposerPriority)).count == 1, "rounds before \(roundsBefore)")
        }
    }

    static func permutations<T>(_ items: [T]) -> [[T]] {
        guard items.count > 1 else { return [items] }
        var result: [[T]] = []
        for index in items.indices {
            var rest = items
            let head = rest.remove(at: index)
            for tail in permutations(rest) { result.append([head] + tail) }
        }
        return result
    }
}
