import RatifyCore
@testable import RatifyPoW

/// A block tree in memory: enough of one for checkpoint rules, which only ask for ancestors.
struct TestBlockTree: CheckpointAncestry {
    static let genesis = Hash.sha256([0x67])
    private(set) var parentOf: [Hash: Hash] = [:]
    private(set) var heightOf: [Hash: Height] = [TestBlockTree.genesis: 0]

    /// Adds `count` blocks on top of `parent` (salted so that branches differ) and returns them
    /// in height order.
    @discardableResult
    mutating func extend(_ parent: Hash, by count: Int, salt: UInt8) -> [Hash] {
        var blocks: [Hash] = []
        var tip = parent
        for _ in 0..<count {
            let height = (heightOf[tip] ?? 0) + 1
            let block = Hash.sha256(tip.bytes + [salt])
            parentOf[block] = tip
            heightOf[block] = height
            blocks.append(block)
            tip = block
        }
        return blocks
    }

    func height(of block: Hash) -> Height? { heightOf[block] }

    func ancestorHash(of block: Hash, atHeight height: Height) -> Hash? {
        guard var current = heightOf[block].map({ (block, $0) }), current.1 >= height else { return nil }
        while current.1 > height {
            guard let parent = parentOf[current.0] else { return nil }
            current = (parent, current.1 - 1)
        }
        return current.0
    }

    func tip(_ block: Hash, work: UInt64) -> ForkChoiceTip {
        ForkChoiceTip(blockHash: block, height: heightOf[block] ?? 0, work: UInt256(work))
    }

    /// The checkpoint of `epoch` on the branch ending at `block`.
    func checkpoint(_ epoch: UInt64, on block: Hash, epochLengthBlocks: UInt64) -> Checkpoint {
        Checkpoint(epoch: epoch, blockHash: ancestorHash(of: block, atHeight: epoch * epochLengthBlocks) ?? .zero)
    }
}

/// Validators with real keys, votes with real signatures, verified the way the node will.
struct CheckpointFixture {
    static let chainID = "ffg-test"
    let keys: [KeyPair]
    let validators: ValidatorSet

    init(powers: [Int64]) throws {
        keys = powers.indices.compactMap { KeyPair(seed: [UInt8](repeating: UInt8(0x40 + $0), count: 32)) }
        validators = try ValidatorSet(validators: zip(keys, powers).map { Validator(publicKey: $0.publicKey, votingPower: $1) })
    }

    func vote(_ validator: Int, _ source: Checkpoint, _ target: Checkpoint) -> VerifiedCheckpointVote? {
        VerifiedCheckpointVote(verifying: CheckpointVote.signed(chainID: Self.chainID, key: keys[validator], source: source, target: target),
                               chainID: Self.chainID, validators: validators)
    }

    /// Adds each listed validator's vote and returns the outcomes.
    func add(_ validatorsVoting: [Int], _ source: Checkpoint, _ target: Checkpoint, to tracker: inout CheckpointTracker,
             tree: TestBlockTree) -> [CheckpointVoteOutcome] {
        validatorsVoting.compactMap { vote($0, source, target) }.map { tracker.add($0, ancestry: tree) }
    }
}
