import Testing
@testable import RatifyCore

/// Proposer selection against CometBFT's published sequences (`types/validator_set_test.go`
/// and `spec/consensus/proposer-selection.md`).
@Suite("validator set: proposer selection")
struct ValidatorSetProposerTests {
    typealias F = ValidatorSetFixtures

    @Test("TestProposerSelection1: foo 1000, bar 300, baz 330 give CometBFT's 99 proposers")
    func cometProposerSelection1() throws {
        var set = try F.set([("foo", 1000), ("bar", 300), ("baz", 330)])
        var proposers: [String] = []
        for _ in 0..<99 {
            proposers.append(F.name(of: set.proposer.address))
            set.incrementProposerPriority(times: 1)
        }
        let expected = "foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar"
            + " foo foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar"
            + " foo baz foo foo bar foo baz foo foo bar foo baz foo foo foo baz bar foo foo foo baz"
            + " foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo"
            + " foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo"
        #expect(proposers.joined(separator: " ") == expected)
    }

    @Test("TestProposerSelection2: equal powers go round in address order")
    func cometProposerSelection2EqualPowers() throws {
        let addresses = (0...2).map { F.address(lastByte: UInt8($0)) }
        var set = try ValidatorSet(validators: addresses.map {
            Validator(address: $0, publicKey: PublicKey(raw: .zero), votingPower: 100)
        })
        for round in 0..<15 {
            #expect(set.proposer.address == addresses[round % 3], "round \(round)")
            set.incrementProposerPriority(times: 1)
        }
    }

    @Test("TestProposerSelection2: 400 against 100, 100 proposes once, then the lowest address")
    func cometProposerSelection2NotTwiceInARow() throws {
        let a = (0...2).map { F.address(lastByte: UInt8($0)) }
        let powers: [Int64] = [100, 100, 400]
        var set = try ValidatorSet(validators: zip(a, powers).map {
            Validator(address: $0, publicKey: PublicKey(raw: .zero), votingPower: $1)
        })
        #expect(set.proposer.address == a[2])
        set.incrementProposerPriority(times: 1)
        #expect(set.proposer.address == a[0])
    }

    @Test("TestProposerSelection2: 401 against 100, 100 proposes twice in a row")
    func cometProposerSelection2TwiceInARow() throws {
        let a = (0...2).map { F.address(lastByte: UInt8($0)) }
        let powers: [Int64] = [100, 100, 401]
        var set = try ValidatorSet(validators: zip(a, powers).map {
            Validator(address: $0, publicKey: PublicKey(raw: .zero), votingPower: $1)
        })
        #expect(set.proposer.address == a[2])
        set.incrementProposerPriority(times: 1)
        #expect(set.proposer.address == a[2])
        set.incrementProposerPriority(times: 1)
        #expect(set.proposer.address == a[0])
    }

    @Test("TestProposerSelection2: powers 4, 5, 3 propose exactly 40, 50, 30 of 120 rounds")
    func cometProposerSelection2Proportional() throws {
        let a = (0...2).map { F.address(lastByte: UInt8($0)) }
        let powers: [Int64] = [4, 5, 3]
        var set = try ValidatorSet(validators: zip(a, powers).map {
            Validator(address: $0, publicKey: PublicKey(raw: .zero), votingPower: $1)
        })
        var counts = [0, 0, 0]
        for _ in 0..<120 {
            counts[Int(set.proposer.address.bytes[19])] += 1
            set.incrementProposerPriority(times: 1)
        }
        #expect(counts == [40, 50, 30])
    }

    @Test("TestProposerSelection3: equal powers keep their order across multi-round jumps and codec round trips")
    func cometProposerSelection3() throws {
        let seed: UInt64 = 0x5EED_0003
        var random = SplitMix64(seed: seed)
        let validators = (0..<4).map { _ -> Validator in
            let bytes = (0..<20).map { _ in UInt8.random(in: 0...255, using: &random) }
            return Validator(address: Address(bytes) ?? .zero, publicKey: PublicKey(raw: .zero), votingPower: 1)
        }
        var set = try ValidatorSet(validators: validators)
        var order: [Address] = []
        for _ in 0..<4 {
            order.append(set.proposer.address)
            set.incrementProposerPriority(times: 1)
        }
        #expect(Set(order).count == 4)
        var rounds = 0
        for iteration in 0..<10_000 {
            let expected = order[rounds % 4]
            #expect(set.proposer.address == expected, "seed \(seed), iteration \(iteration)")
            let decoded = try ValidatorSet(canonicalBytes: set.canonicalBytes)
            #expect(decoded == set, "seed \(seed), iteration \(iteration)")
            set = decoded
            // As CometBFT's test: usually one round, sometimes up to four at once.
            var times = 1
            let mod = Int.random(in: 1...5, using: &random)
            if Int.random(in: 0..<1_000_000, using: &random) % mod > 0 { times = Int.random(in: 1...4, using: &random) }
            set.incrementProposerPriority(times: times)
            rounds += times
            if set.proposer.address != order[rounds % 4] { break }
        }
    }

    @Test("spec R2: p1 with 1 and p2 with 3 repeat p2 p1 p2 p2")
    func specStableSetSequence() throws {
        let list = try NamedPowerList(parsing: "p1:1,p2:3")
        let names = try list.proposerNames(count: 12)
        #expect(names == ["p2", "p1", "p2", "p2", "p2", "p1", "p2", "p2", "p2", "p1", "p2", "p2"])
    }

    @Test("fairness: from a new set each validator proposes exactly its power in the first total rounds",
          arguments: [
            [("foo", Int64(1000)), ("bar", 300), ("baz", 330)],
            [("a", 1), ("b", 1), ("c", 1), ("d", 1)],
            [("p0", 4), ("p1", 2), ("p2", 2), ("p3", 2)],
            [("p0", 3), ("p1", 1), ("p2", 1), ("p3", 1), ("p4", 1), ("p5", 1), ("p6", 1), ("p7", 1)],
            [("x", 97), ("y", 13), ("z", 2), ("w", 1)],
          ])
    func fairnessOverOneCycle(entries: [(String, Int64)]) throws {
        var set = try F.set(entries)
        let total = Int(set.totalVotingPower)
        var counts: [Address: Int64] = [:]
        for _ in 0..<total {
            counts[set.proposer.address, default: 0] += 1
            set.incrementProposerPriority(times: 1)
        }
        for (name, power) in entries {
            #expect(counts[F.address(name), default: 0] == power, "\(name)")
        }
    }

    @Test("fairness: in every window of total rounds each validator proposes its power ±1 (seeded random powers)")
    func fairnessOverSlidingWindows() throws {
        for seed in UInt64(1)...20 {
            var random = SplitMix64(seed: seed)
            let count = Int.random(in: 2...7, using: &random)
            let entries = (0..<count).map { ("v\($0)", Int64.random(in: 1...60, using: &random)) }
            var set = try F.set(entries)
            let total = Int(set.totalVotingPower)
            var sequence: [Address] = []
            for _ in 0..<(3 * total) {
                sequence.append(set.proposer.address)
                set.incrementProposerPriority(times: 1)
            }
            for start in 0...(sequence.count - total) {
                var counts: [Address: Int64] = [:]
                for address in sequence[start..<(start + total)] { counts[address, default: 0] += 1 }
                for (name, power) in entries {
                    let proposed = counts[F.address(name), default: 0]
                    #expect(abs(proposed - power) <= 1, "seed \(seed), window at \(start): \(name) power \(power) proposed \(proposed)")
                }
            }
        }
    }

    @Test("ties go to the lower address, and zero padding keeps a name before its extensions")
    func tieBreakToLowerAddress() throws {
        var set = try F.set([("b", 5), ("a", 5)])
        #expect(F.name(of: set.proposer.address) == "a")
        set.incrementProposerPriority(times: 1)
        #expect(F.name(of: set.proposer.address) == "b")

        let prefixed = try F.set([("foob", 7), ("foo", 7)])
        #expect(F.name(of: prefixed.proposer.address) == "foo")
        #expect(F.names(prefixed) == ["foo", "foob"])
    }

    @Test("TestAveragingInIncrementProposerPriority: zero powers shift every priority by the floored average once")
    func cometAveragingInIncrement() {
        let cases: [(priorities: [Int64], times: Int, average: Int64)] = [
            ([1, 2, 3], 1, 2),
            ([10, -10, 1], 11, 0),  // averaged once per call, not per round
            ([100, -10, 1], 1, 91 / 3),
            ([-1, 0, 0], 1, -1),  // Go's big.Int Div floors: -1/3 is -1, not 0
        ]
        for (priorities, times, average) in cases {
            let set = ValidatorSet(uncheckedOrdered: zip(["a", "b", "c"], priorities).map {
                F.validator($0, 0, priority: $1)
            })
            let advanced = set.copyIncrementingProposerPriority(times: times)
            #expect(advanced.validators.map(\.proposerPriority) == priorities.map { $0 - average }, "\(priorities)")
            #expect(set.validators.map(\.proposerPriority) == priorities, "the original is untouched")
        }
    }

    @Test("TestAveragingInIncrementProposerPriorityWithVotingPower: CometBFT's table of priorities for 10, 1, 1")
    func cometAveragingWithVotingPower() {
        let vp0: Int64 = 10, vp1: Int64 = 1, vp2: Int64 = 1
        let total = vp0 + vp1 + vp2
        let avg = (vp0 + vp1 + vp2 - total) / 3
        let base = ValidatorSet(uncheckedOrdered: [
            Validator(address: F.address(lastByte: 0).shiftedToFront, publicKey: PublicKey(raw: .zero), votingPower: vp0),
            Validator(address: F.address(lastByte: 1).shiftedToFront, publicKey: PublicKey(raw: .zero), votingPower: vp1),
            Validator(address: F.address(lastByte: 2).shiftedToFront, publicKey: PublicKey(raw: .zero), votingPower: vp2),
        ])
        let table: [(times: Int, priorities: [Int64], proposer: Int)] = [
            (1, [0 + vp0 - total - avg, 0 + vp1, 0 + vp2], 0),
            (2, [(0 + vp0 - total) + vp0 - total - avg, (0 + vp1) + vp1, (0 + vp2) + vp2], 0),
            (3, [0 + 3 * (vp0 - total) - avg, 0 + 3 * vp1, 0 + 3 * vp2], 0),
            (4, [0 + 4 * (vp0 - total), 0 + 4 * vp1, 0 + 4 * vp2], 0),
            (5, [0 + 4 * (vp0 - total) + vp0, 0 + 5 * vp1 - total, 0 + 5 * vp2], 1),
            (6, [0 + 6 * vp0 - 5 * total, 0 + 6 * vp1 - total, 0 + 6 * vp2], 0),
            (7, [0 + 7 * vp0 - 6 * total, 0 + 7 * vp1 - total, 0 + 7 * vp2], 0),
            (8, [0 + 8 * vp0 - 7 * total, 0 + 8 * vp1 - total, 0 + 8 * vp2], 0),
            (9, [0 + 9 * vp0 - 7 * total, 0 + 9 * vp1 - total, 0 + 9 * vp2 - total], 2),
            (10, [0 + 10 * vp0 - 8 * total, 0 + 10 * vp1 - total, 0 + 10 * vp2 - total], 0),
            (11, [0 + 11 * vp0 - 9 * total, 0 + 11 * vp1 - total, 0 + 11 * vp2 - total], 0),
        ]
        for (times, priorities, proposer) in table {
            let advanced = base.copyIncrementingProposerPriority(times: times)
            #expect(advanced.proposerIndex == proposer, "times \(times)")
            #expect(advanced.validators.map(\.proposerPriority) == priorities, "times \(times)")
        }
    }

    @Test("TestAvgProposerPriority: the average is floored over 128 bits, even at the Int64 extremes")
    func cometAverageAtExtremes() {
        func average(_ values: [Int64]) -> Int64 { ProposerPriorityArithmetic.flooredAverage(of: values) }
        #expect(average([0, 0, 0]) == 0)
        #expect(average([.max, 0, 0]) == .max / 3)
        #expect(average([.max, 0]) == .max / 2)
        #expect(average([.max, .max]) == .max)
        #expect(average([.min, .min]) == .min)
        #expect(average([-7, 0]) == -4)
        #expect(average([7, 0]) == 3)
    }

    @Test("TestSafeAddClip / TestSafeSubClip: priority arithmetic clips at the Int64 bounds")
    func cometClipping() {
        typealias A = ProposerPriorityArithmetic
        #expect(A.addClipping(.max, 10) == .max)
        #expect(A.addClipping(.max, .max) == .max)
        #expect(A.addClipping(.min, -10) == .min)
        #expect(A.addClipping(5, -7) == -2)
        #expect(A.subtractClipping(.min, 10) == .min)
        #expect(A.subtractClipping(.min, .min) == 0)
        #expect(A.subtractClipping(.min, .max) == .min)
        #expect(A.subtractClipping(.max, -10) == .max)
        #expect(A.goQuotient(.min, -1) == .min)
        #expect(A.goQuotient(-7, 4) == -1)
    }

    @Test("rescaling divides by ceil(spread / window) with Go's truncating division")
    func rescaleTruncates() {
        // spread 14 > window 4: ratio (14 + 3) / 4 = 4; 7 / 4 = 1 and -7 / 4 = -1 (not -2).
        let set = ValidatorSet(uncheckedOrdered: [F.validator("a", 1, priority: 7), F.validator("b", 1, priority: -7)])
        let advanced = set.copyIncrementingProposerPriority(times: 1)
        // After rescale [1, -1], average 0, one round: [2, 0] -> a proposes -> [0, 0].
        #expect(advanced.validators.map(\.proposerPriority) == [0, 0])
        #expect(F.name(of: advanced.proposer.address) == "a")
    }

    @Test("a spread exactly at the window is not rescaled")
    func rescaleOnlyAboveWindow() {
        let set = ValidatorSet(uncheckedOrdered: [F.validator("a", 1, priority: 2), F.validator("b", 1, priority: -2)])
        let advanced = set.copyIncrementingProposerPriority(times: 1)
        #expect(advanced.validators.map(\.proposerPriority) == [1, -1])
    }

    @Test("diverged priorities are pulled back into the window of 2 × total")
    func rescaleBringsDivergedPrioritiesIntoWindow() {
        let set = ValidatorSet(uncheckedOrdered: [
            F.validator("a", 3, priority: 4_000_000), F.validator("b", 2, priority: -1_000_000),
            F.validator("c", 1, priority: -3_000_000),
        ])
        var members = set.validators
        ValidatorSet.rescalePriorities(&members, windowMax: 12)
        // spread 7,000,000; ratio ceil(7,000,000 / 12) = 583,334.
        #expect(members.map(\.proposerPriority) == [6, -1, -5])
        let stepped = set.copyIncrementingProposerPriority(times: 1)
        F.expectCentredAndScaled(stepped)
    }

    @Test("hostile priorities at the Int64 extremes advance without trapping")
    func extremePrioritiesDoNotTrap() {
        let set = ValidatorSet(uncheckedOrdered: [
            F.validator("a", ValidatorSet.totalVotingPowerMax / 2, priority: .max),
            F.validator("b", ValidatorSet.totalVotingPowerMax / 2, priority: .min),
            F.validator("c", 1, priority: .max - 1),
        ])
        let advanced = set.copyIncrementingProposerPriority(times: 50)
        #expect(advanced.count == 3)
        #expect(advanced.contains(advanced.proposer.address))
    }

    @Test("copyIncrementingProposerPriority equals advancing in place; times 0 changes nothing")
    func copyIncrementing() throws {
        let set = try F.set([("foo", 1000), ("bar", 300), ("baz", 330)])
        var inPlace = set
        inPlace.incrementProposerPriority(times: 1)
        inPlace.incrementProposerPriority(times: 1)
        inPlace.incrementProposerPriority(times: 1)
        let copy = set.copyIncrementingProposerPriority(times: 3)
        // Advancing 3 at once centres once rather than three times; for a centred set that is the same.
        #expect(copy.proposer.address == inPlace.proposer.address)
        #expect(copy.validators == inPlace.validators)
        #expect(set.copyIncrementingProposerPriority(times: 0) == set)
        #expect(set.copyIncrementingProposerPriority(times: -5) == set)
    }
}

extension Address {
    /// CometBFT's averaging table uses one-byte addresses {0}, {1}, {2}; zero-padded to 20 bytes
    /// the distinguishing byte comes first.
    fileprivate var shiftedToFront: Address {
        let bytes = self.bytes
        return Address([bytes[19]] + [UInt8](repeating: 0, count: 19)) ?? .zero
    }
}
