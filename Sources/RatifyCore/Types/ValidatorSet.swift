/// The validators of one height, their total stake, and whose turn it is to propose.
///
/// Proposer selection is CometBFT's weighted round-robin (`types/validator_set.go`), reproduced
/// exactly so that the same powers and addresses give the same proposer sequence as CometBFT:
/// every round each validator's priority grows by its power, the highest priority proposes
/// (ties go to the lower address) and drops by the total power. Before each batch of rounds the
/// priorities are rescaled into a window of `priorityWindowSizeFactor` × total power and centred
/// on zero, so no validator can bank or owe an unbounded number of turns. docs/CONSENSUS.md,
/// "Proposer selection", walks through it.
///
/// `validators` is sorted by voting power descending, then address ascending; a validator's
/// index in that order is what votes and commits refer to. Lookup by address is O(1) because
/// vote counting does it for every vote.
///
/// A value type: `copyIncrementingProposerPriority(times:)` and `updating(with:)` leave the
/// receiver untouched, which is what the consensus core needs to compute round `r`'s proposer
/// without disturbing the height's set.
public struct ValidatorSet: Sendable, Equatable {
    /// CometBFT's `MaxTotalVotingPower`. Small enough that a new validator's starting priority,
    /// -1.125 × (a total that may briefly reach 2 × this cap), the window 2 × total, and
    /// `diff + diffMax - 1` in the rescale all fit in `Int64`.
    public static let totalVotingPowerMax: Int64 = Int64.max / 8

    /// CometBFT's `PriorityWindowSizeFactor`: priorities are rescaled so that the highest and
    /// lowest are at most this many times the total voting power apart.
    public static let priorityWindowSizeFactor: Int64 = 2

    /// Sorted by voting power descending, then address ascending.
    public private(set) var validators: [Validator]
    /// The sum of `validators`' voting powers, at most `totalVotingPowerMax`.
    public private(set) var totalVotingPower: Int64
    /// The index in `validators` of the current proposer.
    public private(set) var proposerIndex: Int
    private var indexByAddress: [Address: Int]

    // MARK: Building

    /// A set of `validators`, as CometBFT's `NewValidatorSet`: the validators are added as a
    /// change set to an empty set (so each starts at the same priority, whatever
    /// `proposerPriority` it carries), then the priorities advance once, which picks the first
    /// proposer. Every power must be positive and the addresses distinct.
    public init(validators: [Validator]) throws(ValidatorSetError) {
        let changes = validators.map {
            ValidatorUpdate(address: $0.address, publicKey: $0.publicKey, votingPower: $0.votingPower)
        }
        let (members, total) = try Self.applying(changes, to: [], totalVotingPower: 0, removalsAllowed: false)
        self.init(ordered: members, totalVotingPower: total, proposerIndex: nil)
        incrementProposerPriority(times: 1)
    }

    /// Adopts validators already in set order with their priorities as they are (the decoder and
    /// tests use it; CometBFT's tests build sets this way to pin intermediate priorities).
    /// `proposerIndex` nil picks the validator with the most priority, as CometBFT's
    /// `GetProposer` does for a set that has none recorded.
    init(ordered validators: [Validator], totalVotingPower: Int64, proposerIndex: Int?) {
        precondition(!validators.isEmpty, "a validator set has at least one validator")
        self.validators = validators
        self.totalVotingPower = totalVotingPower
        var indexByAddress: [Address: Int] = [:]
        indexByAddress.reserveCapacity(validators.count)
        for (index, validator) in validators.enumerated() { indexByAddress[validator.address] = index }
        self.indexByAddress = indexByAddress
        self.proposerIndex = proposerIndex ?? Self.indexOfMostPriority(validators)
    }

    /// Adopts validators in the order given, summing their powers with clipping. For tests that
    /// reproduce CometBFT's hand-built sets (some with zero powers, which no public path allows).
    init(uncheckedOrdered validators: [Validator]) {
        var total: Int64 = 0
        for validator in validators { total = ProposerPriorityArithmetic.addClipping(total, validator.votingPower) }
        self.init(ordered: validators, totalVotingPower: total, proposerIndex: nil)
    }

    // MARK: Reading

    public var count: Int { validators.count }

    /// The validator whose turn it is.
    public var proposer: Validator { validators[proposerIndex] }

    /// The index of `address` in `validators`, or nil if it is not a member.
    @inline(__always)
    public func index(of address: Address) -> Int? { indexByAddress[address] }

    public func contains(_ address: Address) -> Bool { indexByAddress[address] != nil }

    /// The member at `address`, or nil.
    public func validator(at address: Address) -> Validator? {
        guard let index = indexByAddress[address] else { return nil }
        return validators[index]
    }

    /// The member at `index`, or nil when `index` is out of range (indices arrive in votes).
    public func validator(atIndex index: Int) -> Validator? {
        validators.indices.contains(index) ? validators[index] : nil
    }

    // MARK: Quorums

    /// True when `power` is more than 2/3 of the total: the quorum for a polka or a commit.
    /// Compared as `power * 3 > total * 2` in 128 bits, so no input overflows and no rounding
    /// of 2/3 can let exactly 2/3 through.
    @inline(__always)
    public func hasTwoThirdsMajority(_ power: Int64) -> Bool {
        Int128(power) * 3 > Int128(totalVotingPower) * 2
    }

    /// True when `power` is more than 1/3 of the total (f+1): enough that at least one honest
    /// validator is among them, which is what lets a node skip to a higher round (Algorithm 1,
    /// line 55).
    @inline(__always)
    public func hasOneThirdPlus(_ power: Int64) -> Bool {
        Int128(power) * 3 > Int128(totalVotingPower)
    }

    // MARK: Hash

    /// SHA-256 of the canonical encoding of each validator's (public key, voting power), in set
    /// order, after a count. Headers carry it: it commits to who validates and with what weight
    /// but not to priorities, which change every round. (CometBFT hashes a Merkle tree of
    /// protobuf encodings instead; the two are not meant to match.)
    public var hash: Hash {
        var writer = ByteWriter(capacity: 4 + validators.count * (Bytes32.count + 8))
        writer.write(UInt32(truncatingIfNeeded: validators.count))
        for validator in validators {
            writer.write(validator.publicKey)
            writer.write(validator.votingPower)
        }
        return Hash.sha256(writer.bytes)
    }

    // MARK: Proposer priority

    /// Advances the proposer queue by `times` rounds (CometBFT's `IncrementProposerPriority`):
    /// rescale and centre once, then `times` single steps. The last step's winner becomes
    /// `proposer`. A `times` of 0 or less changes nothing (CometBFT panics there; a round
    /// number from the network must never trap a node).
    ///
    /// Cost is O(`times` × `count`): callers advance round by round rather than jumping to a
    /// large round from height start.
    public mutating func incrementProposerPriority(times: Int) {
        guard times > 0 else { return }
        // At most 2 × totalVotingPowerMax, far from overflow.
        let windowMax = Self.priorityWindowSizeFactor * totalVotingPower
        Self.rescalePriorities(&validators, windowMax: windowMax)
        Self.shiftByAveragePriority(&validators)
        var proposer = proposerIndex
        for _ in 0..<times {
            proposer = Self.advanceOneRound(&validators, totalVotingPower: totalVotingPower)
        }
        proposerIndex = proposer
    }

    /// A copy advanced by `times` rounds (CometBFT's `CopyIncrementProposerPriority`): the
    /// proposer of round `r` of a height is `set.copyIncrementingProposerPriority(times: r)`
    /// for `r > 0`, and `set.proposer` for round 0.
    public func copyIncrementingProposerPriority(times: Int) -> ValidatorSet {
        var copy = self
        copy.incrementProposerPriority(times: times)
        return copy
    }

    // MARK: Updates

    /// The set after applying `changes` (CometBFT's `UpdateWithChangeSet`): power 0 removes a
    /// validator, a positive power adds one or sets an existing one's power and key. Existing
    /// validators keep their priorities; new ones start at -1.125 × the total (see
    /// `newValidatorPriority`) so that leaving and rejoining cannot jump the queue. Then the
    /// priorities are rescaled into the window and centred.
    ///
    /// The proposer of the result is the validator with the most priority; as in CometBFT's
    /// state transition, callers advance the new set by one round before using it
    /// (`incrementProposerPriority(times: 1)`). An empty change set returns the set unchanged.
    public func updating(with changes: [ValidatorUpdate]) throws(ValidatorSetError) -> ValidatorSet {
        guard !changes.isEmpty else { return self }
        let (members, total) = try Self.applying(
            changes, to: validators, totalVotingPower: totalVotingPower, removalsAllowed: true)
        return ValidatorSet(ordered: members, totalVotingPower: total, proposerIndex: nil)
    }

    /// A newly added validator's starting priority, -(total + total >> 3), about -1.125 × the
    /// total voting power after the updates but before the removals (CometBFT's
    /// `computeNewPriorities`). That total is below 2 × `totalVotingPowerMax`, so this fits.
    static func newValidatorPriority(totalAfterUpdatesBeforeRemovals total: Int64) -> Int64 {
        -(total + (total >> 3))
    }
}

// MARK: - The algorithm's steps

extension ValidatorSet {
    /// Validates `changes` against `current` and applies them, returning the members in set
    /// order, rescaled and centred, with their total (CometBFT's `updateWithChangeSet`). The
    /// checks run in CometBFT's order so that the same invalid change set fails for the same
    /// reason.
    static func applying(
        _ changes: [ValidatorUpdate],
        to current: [Validator],
        totalVotingPower currentTotal: Int64,
        removalsAllowed: Bool
    ) throws(ValidatorSetError) -> (validators: [Validator], totalVotingPower: Int64) {
        // Split into updates and removals, in address order, rejecting duplicates and bad powers.
        let sortedChanges = changes.sorted { $0.address < $1.address }
        var updates: [ValidatorUpdate] = []
        var removals: [ValidatorUpdate] = []
        var previous: Address?
        for change in sortedChanges {
            if change.address == previous { throw .duplicateAddress(change.address) }
            if change.votingPower < 0 { throw .negativeVotingPower(change.address, votingPower: change.votingPower) }
            if change.votingPower > totalVotingPowerMax {
                throw .votingPowerTooLarge(change.address, votingPower: change.votingPower, max: totalVotingPowerMax)
            }
            if change.votingPower == 0 { removals.append(change) } else { updates.append(change) }
            previous = change.address
        }
        if !removalsAllowed, let removal = removals.first { throw .zeroVotingPower(removal.address) }

        var currentIndex: [Address: Int] = [:]
        currentIndex.reserveCapacity(current.count)
        for (index, validator) in current.enumerated() { currentIndex[validator.address] = index }

        let newCount = updates.reduce(0) { $0 + (currentIndex[$1.address] == nil ? 1 : 0) }
        if newCount == 0 && current.count == removals.count { throw .empty }

        var removedPower: Int64 = 0
        for removal in removals {
            guard let index = currentIndex[removal.address] else { throw .removingUnknownValidator(removal.address) }
            removedPower += current[index].votingPower  // a subset of a total within the cap
        }

        // Apply the power changes smallest (most negative) first and check the running total
        // each time, as CometBFT's verifyUpdates does; with every term bounded by the cap
        // nothing here can overflow.
        var deltas = updates.map { update -> Int64 in
            guard let index = currentIndex[update.address] else { return update.votingPower }
            return update.votingPower - current[index].votingPower
        }
        deltas.sort()
        var totalAfterRemovals = currentTotal - removedPower
        for delta in deltas {
            totalAfterRemovals += delta
            if totalAfterRemovals > totalVotingPowerMax { throw .totalVotingPowerTooLarge(max: totalVotingPowerMax) }
        }
        let resultCount = current.count + newCount - removals.count
        if resultCount > CodecLimits.validatorsMax {
            throw .tooManyValidators(count: resultCount, max: CodecLimits.validatorsMax)
        }
        let startingPriority = newValidatorPriority(totalAfterUpdatesBeforeRemovals: totalAfterRemovals + removedPower)

        // Merge. Membership and priorities do not depend on order, so the set order is
        // established once at the end.
        var members = current
        var removed = [Bool](repeating: false, count: current.count)
        for update in updates {
            if let index = currentIndex[update.address] {
                members[index].publicKey = update.publicKey
                members[index].votingPower = update.votingPower
            } else {
                members.append(Validator(
                    address: update.address, publicKey: update.publicKey,
                    votingPower: update.votingPower, proposerPriority: startingPriority))
            }
        }
        for removal in removals {
            if let index = currentIndex[removal.address] { removed[index] = true }
        }
        var result: [Validator] = []
        result.reserveCapacity(resultCount)
        for (index, member) in members.enumerated() where index >= removed.count || !removed[index] {
            result.append(member)
        }

        rescalePriorities(&result, windowMax: priorityWindowSizeFactor * totalAfterRemovals)
        shiftByAveragePriority(&result)
        result.sort(by: Validator.precedesInSetOrder)
        return (result, totalAfterRemovals)
    }

    /// Divides every priority by ceil(spread / windowMax) when the spread exceeds `windowMax`
    /// (CometBFT's `RescalePriorities`). The ratio is computed as `(spread + windowMax - 1) /
    /// windowMax` and applied with Go's truncating division, so -7 / 4 is -1, not -2.
    static func rescalePriorities(_ validators: inout [Validator], windowMax: Int64) {
        guard windowMax > 0, !validators.isEmpty else { return }
        let spread = ProposerPriorityArithmetic.spread(of: validators.lazy.map(\.proposerPriority))
        guard spread > windowMax else { return }
        // Wrapping like Go: only a hostile spread near Int64.max can wrap here.
        let ratio = ProposerPriorityArithmetic.goQuotient(spread &+ windowMax &- 1, windowMax)
        for index in validators.indices {
            validators[index].proposerPriority =
                ProposerPriorityArithmetic.goQuotient(validators[index].proposerPriority, ratio)
        }
    }

    /// Subtracts the floored average priority from every priority, keeping the sum near zero
    /// as validators join and leave (CometBFT's `shiftByAvgProposerPriority`).
    static func shiftByAveragePriority(_ validators: inout [Validator]) {
        guard !validators.isEmpty else { return }
        let average = ProposerPriorityArithmetic.flooredAverage(of: validators.lazy.map(\.proposerPriority))
        for index in validators.indices {
            validators[index].proposerPriority =
                ProposerPriorityArithmetic.subtractClipping(validators[index].proposerPriority, average)
        }
    }

    /// One round: every priority grows by its power, the most-priority validator is chosen and
    /// its priority drops by the total. Returns the chosen index.
    static func advanceOneRound(_ validators: inout [Validator], totalVotingPower: Int64) -> Int {
        for index in validators.indices {
            validators[index].proposerPriority =
                ProposerPriorityArithmetic.addClipping(validators[index].proposerPriority, validators[index].votingPower)
        }
        let chosen = indexOfMostPriority(validators)
        validators[chosen].proposerPriority =
            ProposerPriorityArithmetic.subtractClipping(validators[chosen].proposerPriority, totalVotingPower)
        return chosen
    }

    /// The index of the highest priority; among equal priorities, the lowest address (CometBFT's
    /// `CompareProposerPriority`). Addresses in a set are distinct, so the choice is unique and
    /// independent of order.
    static func indexOfMostPriority(_ validators: [Validator]) -> Int {
        var best = 0
        for index in validators.indices.dropFirst() {
            let candidate = validators[index]
            let leader = validators[best]
            if candidate.proposerPriority > leader.proposerPriority
                || (candidate.proposerPriority == leader.proposerPriority && candidate.address < leader.address) {
                best = index
            }
        }
        return best
    }
}

// MARK: - Canonical encoding

extension ValidatorSet: CanonicalCodable {
    /// The validators (count, then each in set order with its priority), then the proposer's
    /// index. The proposer is stored rather than recomputed because it cannot be recovered from
    /// the priorities alone.
    public func encode(to writer: inout ByteWriter) {
        writer.writeList(validators)
        writer.write(UInt32(truncatingIfNeeded: proposerIndex))
    }

    /// Accepts only what this type can produce: 1 to `CodecLimits.validatorsMax` validators,
    /// positive powers, strictly in set order, distinct addresses, a total within
    /// `totalVotingPowerMax`, and a proposer index in range.
    public init(from reader: inout ByteReader) throws(DecodeError) {
        let countOffset = reader.offset
        let count = try reader.readCount(max: CodecLimits.validatorsMax, "ValidatorSet.validators")
        guard count > 0 else {
            throw reader.failure(.invalid("a validator set has at least one validator"), "ValidatorSet.validators", at: countOffset)
        }
        try reader.require(count * Validator.encodedBytes, "ValidatorSet.validators")
        var validators: [Validator] = []
        validators.reserveCapacity(count)
        var seen = Set<Address>(minimumCapacity: count)
        var total: Int64 = 0
        for index in 0..<count {
            let itemOffset = reader.offset
            let validator = try reader.read(Validator.self)
            if let previous = validators.last, !Validator.precedesInSetOrder(previous, validator) {
                throw reader.failure(
                    .invalid("validator \(index) is out of order (voting power descending, then address ascending)"),
                    "ValidatorSet.validators", at: itemOffset)
            }
            guard seen.insert(validator.address).inserted else {
                throw reader.failure(
                    .invalid("validator \(index) repeats address \(validator.address.hex)"),
                    "ValidatorSet.validators", at: itemOffset)
            }
            // Each power is within the cap, so the sum of two cannot overflow before the check.
            total += validator.votingPower
            guard total <= Self.totalVotingPowerMax else {
                throw reader.failure(
                    .invalid("total voting power exceeds the maximum \(Self.totalVotingPowerMax)"),
                    "ValidatorSet.validators", at: itemOffset)
            }
            validators.append(validator)
        }
        let proposerOffset = reader.offset
        let proposerIndex = Int(try reader.readUInt32("ValidatorSet.proposerIndex"))
        guard proposerIndex < count else {
            throw reader.failure(
                .invalid("proposer index \(proposerIndex) is not below the count \(count)"),
                "ValidatorSet.proposerIndex", at: proposerOffset)
        }
        self.init(ordered: validators, totalVotingPower: total, proposerIndex: proposerIndex)
    }
}
