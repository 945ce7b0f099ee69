import Benchmark
import RatifyCore

// Ed25519 (libsodium) and SHA-256 (OpenSSL) through RatifyCore's wrappers, on the same
// inputs as Benchmarks/baseline/crypto_baseline.c so the two can be compared line by line.
// Every benchmark reports time per operation: the fast ones run an inner loop of 1,000
// (`scalingFactor: .kilo`) so that the harness's per-iteration cost is amortised.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        // No CPU-time metric: it has a 10 ms resolution here and costs a system call per sample.
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    // What the harness itself adds to every sample (clock reads, counters): the floor under
    // the benchmarks below that run one operation per sample.
    Benchmark("Harness floor, empty iteration") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(0)
        }
    }

    let key = CryptoFixtures.key
    let message64 = CryptoFixtures.message64
    let voteMessage = CryptoFixtures.voteMessage
    let signature64 = key.sign(message64)
    let signatureVote = key.sign(voteMessage)
    precondition(key.publicKey.verify(signature64, message: message64), "fixture signature must verify")
    precondition(key.publicKey.verify(signatureVote, message: voteMessage), "fixture signature must verify")

    Benchmark("Ed25519 sign, 64 B") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(key.sign(message64))
        }
    }

    Benchmark("Ed25519 sign, vote sign bytes (\(voteMessage.count) B)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(key.sign(voteMessage))
        }
    }

    Benchmark("Ed25519 verify, 64 B") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(key.publicKey.verify(signature64, message: message64))
        }
    }

    Benchmark("Ed25519 verify, vote sign bytes (\(voteMessage.count) B)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(key.publicKey.verify(signatureVote, message: voteMessage))
        }
    }

    let bytes80 = CryptoFixtures.pattern(count: 80)
    Benchmark("SHA-256, 80 B", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Hash.sha256(bytes80))
        }
    }

    let bytes1MiB = CryptoFixtures.pattern(count: 1 << 20)
    Benchmark("SHA-256, 1 MiB") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Hash.sha256(bytes1MiB))
        }
    }
}

/// Inputs shared by the crypto benchmarks. They match crypto_baseline.c: a key from a seed of
/// 32 bytes 0x01, messages filled with `i & 0xff`, and the vote message is a real prevote's
/// sign bytes (its length is checked against the C program's constant).
enum CryptoFixtures {
    static let key: KeyPair = {
        guard let pair = KeyPair(seed: [UInt8](repeating: 1, count: 32)) else {
            preconditionFailure("a 32-byte seed always gives a key pair")
        }
        return pair
    }()

    static func pattern(count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0) }
    }

    static let message64 = pattern(count: 64)

    /// The bytes a validator signs for a prevote on chain "ratify-bench" for a block id.
    static let voteMessage: [UInt8] = {
        let bytes = Vote.signBytes(chainID: "ratify-bench", type: .prevote, height: 1_000_000, round: 0,
                                   blockID: BlockID(hash: Hash.sha256([1])))
        precondition(bytes.count == voteMessageBytes,
                     "vote sign bytes are \(bytes.count) bytes; update VOTE_MESSAGE_BYTES in crypto_baseline.c")
        return bytes
    }()

    /// Keep equal to VOTE_MESSAGE_BYTES in Benchmarks/baseline/crypto_baseline.c.
    static let voteMessageBytes = 80
}
