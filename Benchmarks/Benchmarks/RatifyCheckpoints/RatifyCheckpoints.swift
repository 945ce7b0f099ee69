import Benchmark
import RatifyCore
import RatifyPoW

// Casper FFG vote counting (RatifyPoW/Checkpoints): what the hybrid node pays per checkpoint
// vote once its signature is checked, beside what checking the signature costs; and the block
// tree's fork choice, which a PoW or hybrid node runs after every block it connects.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .microseconds,
        warmupIterations: 2,
        maxDuration: .seconds(5),
        maxIterations: 1_000
    )

    let run = CheckpointRun(validatorCount: 100, epochs: 64, epochLengthBlocks: 32)

    Benchmark("Tracker: \(run.votes.count) votes, 100 validators × \(run.epochs) epochs, each epoch justified and the one before finalized") { benchmark in
        for _ in benchmark.scaledIterations {
            var tracker = run.newTracker()
            for vote in run.votes { blackHole(tracker.add(vote, ancestry: run.chain)) }
            precondition(tracker.latestFinalized.epoch == UInt64(run.epochs - 2), "every voted epoch but the last is finalized")
        }
    }

    // A node syncing a chain asks for the tip after every block it connects; a hybrid node
    // asks for the tip through its justified checkpoint.
    for length in [1_000, 10_000] {
        let headers = ForkChoiceRun.headers(count: length)
        Benchmark("BlockTree: \(length) headers inserted, the tip chosen after each", configuration: .init(maxIterations: 20)) { benchmark in
            for _ in benchmark.scaledIterations {
                var tree = ForkChoiceRun.newTree()
                for header in headers {
                    _ = try tree.insert(header, nowSeconds: .max - 100)
                    blackHole(tree.bestTip())
                }
                precondition(tree.bestTip().height == UInt64(length), "a straight chain's tip is its last block")
            }
        }
        Benchmark("BlockTree: \(length) headers inserted, the tip through a checkpoint 32 blocks back chosen after each",
                  configuration: .init(maxIterations: 20)) { benchmark in
            for _ in benchmark.scaledIterations {
                var tree = ForkChoiceRun.newTree()
                var hashes: [PoWHash] = [tree.genesis.hash]
                for header in headers {
                    hashes.append(try tree.insert(header, nowSeconds: .max - 100).hash)
                    blackHole(tree.bestTip(containing: hashes[max(0, hashes.count - 33)]))
                }
            }
        }
    }

    let signed = run.votes[0].vote
    Benchmark("VerifiedCheckpointVote: Ed25519 verify of one vote", configuration: .init(timeUnits: .nanoseconds, scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(VerifiedCheckpointVote(verifying: signed, chainID: CheckpointRun.chainID, validators: run.validators))
        }
    }
}

/// One straight chain with honest votes: every validator votes previous checkpoint → this one.
struct CheckpointRun: Sendable {
    static let chainID = "ratify-bench"
    let epochs: Int
    let epochLengthBlocks: UInt64
    let validators: ValidatorSet
    let chain: StraightChain
    let votes: [VerifiedCheckpointVote]

    init(validatorCount: Int, epochs: Int, epochLengthBlocks: UInt64) {
        let keys: [KeyPair] = (0..<validatorCount).map { index in
            guard let pair = KeyPair(seed: [UInt8](repeating: 0, count: 30) + [UInt8(index >> 8), UInt8(index & 0xff)]) else {
                preconditionFailure("a 32-byte seed always gives a key pair")
            }
            return pair
        }
        guard let set = try? ValidatorSet(validators: keys.map { Validator(publicKey: $0.publicKey, votingPower: 10) }) else {
            preconditionFailure("distinct keys with positive powers make a set")
        }
        self.epochs = epochs
        self.epochLengthBlocks = epochLengthBlocks
        validators = set
        chain = StraightChain(length: Int(epochLengthBlocks) * epochs)
        var votes: [VerifiedCheckpointVote] = []
        for epoch in 1..<epochs {
            let source = Checkpoint(epoch: UInt64(epoch - 1), blockHash: chain.blocks[(epoch - 1) * Int(epochLengthBlocks)])
            let target = Checkpoint(epoch: UInt64(epoch), blockHash: chain.blocks[epoch * Int(epochLengthBlocks)])
            for key in keys {
                let vote = CheckpointVote.signed(chainID: Self.chainID, key: key, source: source, target: target)
                guard let verified = VerifiedCheckpointVote(verifying: vote, chainID: Self.chainID, validators: set) else {
                    preconditionFailure("a vote signed by a member verifies")
                }
                votes.append(verified)
            }
        }
        self.votes = votes
    }

    func newTracker() -> CheckpointTracker {
        CheckpointTracker(genesisHash: chain.blocks[0], epochLengthBlocks: epochLengthBlocks, validators: validators)
    }
}

/// Blocks 0...length with O(1) ancestry: enough block tree for a chain without forks.
struct StraightChain: CheckpointAncestry, Sendable {
    let blocks: [Hash]
    let heightByHash: [Hash: Height]

    init(length: Int) {
        blocks = (0...length).map { Hash.sha256(withUnsafeBytes(of: UInt64($0).bigEndian) { Array($0) }) }
        heightByHash = Dictionary(uniqueKeysWithValues: blocks.enumerated().map { ($1, Height($0)) })
    }

    func height(of block: Hash) -> Height? { heightByHash[block] }

    func ancestorHash(of block: Hash, atHeight height: Height) -> Hash? {
        guard let own = heightByHash[block], height <= own else { return nil }
        return blocks[Int(height)]
    }
}

/// A straight proof-of-work chain on regtest's near-trivial target (about one hash in two meets
/// it), one second apart on a one-second ASERT schedule, so every header keeps the genesis bits.
enum ForkChoiceRun {
    static let genesisTime: UInt32 = 1_767_225_600
    static let genesisHash = PoWHash(raw: Hash.sha256(Array("fork choice bench genesis".utf8)).raw)

    static func newTree() -> BlockTree {
        var params = PoWParams()
        params.initialBits = 0x207f_ffff
        params.targetBlockMillis = 1_000
        let schedule = DifficultySchedule(params: params, genesisTimeMillis: Int64(genesisTime) * 1000)
        return BlockTree(genesisHash: genesisHash, genesisTimeSeconds: genesisTime, genesisBits: CompactTarget(bits: params.initialBits),
                         rules: BlockTree.Rules(schedule: schedule))
    }

    static func headers(count: Int) -> [BlockHeader80] {
        var tree = newTree()
        var headers: [BlockHeader80] = []
        var parent = tree.genesis
        for index in 0..<count {
            var header = BlockHeader80(version: 1, previousHash: parent.hash,
                                       merkleRoot: PoWHash(raw: Hash.sha256(withUnsafeBytes(of: UInt64(index)) { Array($0) }).raw),
                                       time: parent.timeSeconds + 1, bits: tree.expectedBits(after: parent), nonce: 0)
            let target = header.bits.target ?? .zero
            while header.hash.value > target { header.nonce += 1 }
            guard let node = try? tree.insert(header, nowSeconds: .max - 100) else { preconditionFailure("a header mined on its parent is accepted") }
            headers.append(header)
            parent = node
        }
        return headers
    }
}
