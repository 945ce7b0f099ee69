import Benchmark
import RatifyCore

// The canonical codec on the two shapes that dominate traffic and storage: a signed vote and
// a block of 1,000 signed transactions. Encode is `canonicalBytes`; decode is
// `init(canonicalBytes:)`, which checks every length and count.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        // No CPU-time metric: it has a 10 ms resolution here and costs a system call per sample.
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    let vote = CodecFixtures.vote()
    let voteBytes = vote.canonicalBytes
    precondition((try? Vote(canonicalBytes: voteBytes)) == vote, "vote must round-trip")

    Benchmark("Vote encode (\(voteBytes.count) B)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(vote.canonicalBytes)
        }
    }

    Benchmark("Vote decode (\(voteBytes.count) B)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Vote(canonicalBytes: voteBytes))
        }
    }

    let block = CodecFixtures.block(transactionCount: 1_000)
    let blockBytes = block.canonicalBytes
    precondition((try? Block(canonicalBytes: blockBytes)) == block, "block must round-trip")

    Benchmark("Block encode, 1,000 tx (\(blockBytes.count) B)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(block.canonicalBytes)
        }
    }

    Benchmark("Block decode, 1,000 tx (\(blockBytes.count) B)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Block(canonicalBytes: blockBytes))
        }
    }
}

/// Well-formed, signed values built through RatifyCore's public API (the test target's
/// Samples are not visible from here). Transfers dominate, as on a busy chain; one in ten
/// transactions is a stake with a name, so strings are decoded too.
enum CodecFixtures {
    static let chainID = "ratify-bench"
    static let keys: [KeyPair] = (1...4).map { index in
        guard let pair = KeyPair(seed: [UInt8](repeating: UInt8(index), count: 32)) else {
            preconditionFailure("a 32-byte seed always gives a key pair")
        }
        return pair
    }

    static func vote(_ type: VoteType = .precommit, height: Height = 1_000_000, blockID: BlockID? = BlockID(hash: Hash.sha256([1])),
                     validator: Int = 0) -> Vote {
        let key = keys[validator]
        var vote = Vote(type: type, height: height, round: 0, blockID: blockID,
                        validatorAddress: key.publicKey.address, validatorIndex: UInt32(validator))
        vote.signature = key.sign(vote.signBytes(chainID: chainID))
        return vote
    }

    static func block(transactionCount: Int) -> Block {
        let height: Height = 1_000_000
        let transactions = (0..<transactionCount).map { index in
            let payload: TransactionPayload = index % 10 == 9
                ? .stake(validator: keys[0].publicKey, amount: 5_000, name: "validator-\(index)")
                : .transfer(to: keys[(index + 1) % 4].publicKey.address, amount: UInt64(index) * 10)
            return Transaction.signed(chainID: chainID, sender: keys[index % 4], nonce: UInt64(index), fee: 1, payload: payload)
        }
        let lastBlockID = BlockID(hash: Hash.sha256([6]))
        let lastCommit = Commit(height: height - 1, round: 0, blockID: lastBlockID,
                                signatures: (0..<4).map { .commit(vote(height: height - 1, blockID: lastBlockID, validator: $0).signature) })
        return Block.make(chainID: chainID, height: height, timeMillis: 1_790_000_000_000, lastBlockID: lastBlockID,
                          lastCommit: lastCommit, transactions: transactions, evidence: [],
                          validatorsHash: Hash.sha256([2]), nextValidatorsHash: Hash.sha256([3]),
                          appHash: Hash.sha256([4]), proposerAddress: keys[0].publicKey.address)
    }
}
