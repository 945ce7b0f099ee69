import RatifyCore

/// The simulated application's validator sets: every node derives the same set for every
/// height, as a real ledger would from the same blocks. With `validatorSetChanges`, the
/// block of height H changes one validator's power (drawn from the seed and H), and the
/// change takes effect at H + 2, as CometBFT's `updateState` does: the set of H + 2 is the set
/// of H + 1 with the updates applied, advanced one proposer round.
struct SimLedger: Sendable {
    let seed: UInt64
    let keys: [KeyPair]
    let addresses: [Address]
    let isByzantine: [Bool]
    let changes: Bool
    let keepByzantineBelowOneThird: Bool
    /// `sets[h - 1]` is the set of height h.
    private(set) var sets: [ValidatorSet]
    private(set) var hashes: [Hash]
    /// Validator updates applied, for the summary.
    private(set) var updatesApplied = 0

    init(seed: UInt64, keys: [KeyPair], powers: [Int64], isByzantine: [Bool], changes: Bool,
         keepByzantineBelowOneThird: Bool) throws(ValidatorSetError) {
        self.seed = seed
        self.keys = keys
        self.addresses = keys.map(\.publicKey.address)
        self.isByzantine = isByzantine
        self.changes = changes
        self.keepByzantineBelowOneThird = keepByzantineBelowOneThird
        let genesis = try ValidatorSet(validators: zip(keys, powers).map { Validator(publicKey: $0.publicKey, votingPower: $1) })
        let second = genesis.copyIncrementingProposerPriority(times: 1)
        sets = [genesis, second]
        hashes = [genesis.hash, second.hash]
    }

    /// The set of `height` (>= 1), extending the chain of sets as needed.
    mutating func set(_ height: Height) -> ValidatorSet {
        extend(to: height)
        return sets[Int(height - 1)]
    }

    mutating func hash(_ height: Height) -> Hash {
        extend(to: height)
        return hashes[Int(height - 1)]
    }

    /// The proposer of `round` at `height`, as every core computes it.
    mutating func proposer(height: Height, round: Round) -> Address {
        set(height).copyIncrementingProposerPriority(times: Int(round)).proposer.address
    }

    private mutating func extend(to height: Height) {
        precondition(height >= 1, "heights start at 1")
        while sets.count < Int(height) {
            // Building the set of H + 2 = sets.count + 1 from the block of H = sets.count - 1.
            let decidedHeight = UInt64(sets.count - 1)
            let previous = sets[sets.count - 1]
            var next = previous
            if let changed = try? previous.updating(with: updates(decidedAt: decidedHeight, on: previous)), changed != previous {
                next = changed
                updatesApplied += 1
            }
            next.incrementProposerPriority(times: 1)
            sets.append(next)
            hashes.append(next.hash)
        }
    }

    /// The validator updates in the block of `height`: with probability 1/4, one validator's
    /// power changes to a value drawn from the seed, unless that would give the byzantine
    /// validators 1/3 or more of the stake.
    private func updates(decidedAt height: UInt64, on set: ValidatorSet) -> [ValidatorUpdate] {
        guard changes else { return [] }
        var random = SimRandom(seed: seed, stream: SimStream.ledger &+ height &* 0x1_0000)
        guard random.below(4) == 0 else { return [] }
        let identity = random.index(keys.count)
        let current = set.validators.first { $0.address == addresses[identity] }?.votingPower ?? 0
        let newPower = Int64(random.inRange(1...UInt64(max(2, current * 2))))
        var total: Int64 = 0
        var byzantinePower: Int64 = 0
        for validator in set.validators {
            let power = validator.address == addresses[identity] ? newPower : validator.votingPower
            total += power
            if let index = addresses.firstIndex(of: validator.address), isByzantine[index] { byzantinePower += power }
        }
        if keepByzantineBelowOneThird && byzantinePower * 3 >= total { return [] }
        return [ValidatorUpdate(publicKey: keys[identity].publicKey, votingPower: newPower)]
    }
}
