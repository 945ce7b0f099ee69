import Benchmark
import Foundation
import RatifyCore
import RatifyStore

// RatifyStore's durable writes, on a real file system (see BenchStore): what the node does once
// per decided height (BlockStore.commit of a 1,000-transaction block with its commit, ledger
// state writes, next validator set and transaction index, one LMDB write transaction), before
// every signature (DoubleSignGuard.authorize) and before acting on a consensus message
// (ConsensusWAL.append). Every write returns only after fsync, so a sample is mostly the disk.
// The C floor for the same operations: Tools/bench-store-baseline.sh. Figures and method:
// docs/PERFORMANCE.md, "Storage".
//
// Benchmark names are the rows of that table; keep them in step with Tools/bench-store-compare.sh.

let transactionsPerBlock = 1_000
/// Bytes handed to write(2) per sample (ProcessIO), in KiB: what LMDB wrote for one commit.
let kibibytesWritten = BenchmarkMetric.custom("KiB written per commit", polarity: .prefersSmaller, useScalingFactor: false)

/// The thread's CPU time per sample (ThreadCPUClock), in µs: the commit without the disk waits.
let cpuMicros = BenchmarkMetric.custom("CPU µs per commit", polarity: .prefersSmaller, useScalingFactor: false)

/// Times `body` from here to its end, and reports what it wrote as `kibibytesWritten` and its
/// CPU time as `cpuMicros`.
func measureDurableWrite(_ benchmark: Benchmark, _ body: () throws -> Void) rethrows {
    let before = ProcessIO.bytesWritten()
    let cpuBefore = ThreadCPUClock.nanoseconds()
    benchmark.startMeasurement()
    try body()
    benchmark.stopMeasurement()
    let cpuAfter = ThreadCPUClock.nanoseconds()
    benchmark.measurement(cpuMicros, Int((cpuAfter - cpuBefore + 500) / 1_000))
    if let before, let after = ProcessIO.bytesWritten() {
        benchmark.measurement(kibibytesWritten, Int((after - before + 512) / 1_024))
    }
}
/// Blocks committed one after another in one sample of the back-to-back benchmark.
let blocksPerBurst = 20

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        // No CPU-time metric: a sample here is mostly waiting for the disk.
        metrics: [.wallClock, kibibytesWritten, cpuMicros],
        timeUnits: .microseconds,
        warmupIterations: 10,
        // Samples, not time, end a run: fsync latency under load varies by 10x.
        maxDuration: .seconds(900),
        maxIterations: 300
    )

    // Each sample: the next height is made untimed (1,000 transfers signed, the block built),
    // then BlockStore.commit(block:commit:...) is timed: encoding plus one durable transaction.
    let blockCommit = BenchSession(name: "block-commit")
    Benchmark(
        "Block commit, 1,000 tx, durable",
        closure: { benchmark in
            guard let store = blockCommit.store?.store, let chain = blockCommit.chain else { return benchmark.error("not set up") }
            let decided = chain.next(transactionCount: transactionsPerBlock)
            try measureDurableWrite(benchmark) {
                try store.blocks.commit(
                    block: decided.block, commit: decided.commit, stateWrites: decided.stateWrites, appHash: decided.appHash,
                    validatorSets: decided.validatorSets, transactions: decided.transactions)
            }
        },
        setup: { try blockCommit.open(withChain: true) },
        teardown: { blockCommit.close() })

    // The same, with the encoding done untimed: only the bytes-level commit (LMDB puts and the
    // durable commit) is timed. The difference from the row above is the Swift-side encoding.
    let bytesCommit = BenchSession(name: "bytes-commit")
    Benchmark(
        "Block commit, 1,000 tx, durable, pre-encoded",
        closure: { benchmark in
            guard let store = bytesCommit.store?.store, let chain = bytesCommit.chain else { return benchmark.error("not set up") }
            let encoded = chain.next(transactionCount: transactionsPerBlock).encoded()
            try measureDurableWrite(benchmark) {
                try store.blocks.commit(
                    height: encoded.height, blockBytes: encoded.blockBytes, commitBytes: encoded.commitBytes,
                    blockHash: encoded.blockHash, stateWrites: encoded.stateWrites, appHash: encoded.appHash,
                    validatorSets: encoded.validatorSets, transactions: encoded.transactions)
            }
        },
        setup: { try bytesCommit.open(withChain: true) },
        teardown: { bytesCommit.close() })

    // Each sample: `blocksPerBurst` heights made untimed, then committed back to back (typed API).
    // "Blocks per second" is blocksPerBurst over the sample's time.
    let burst = BenchSession(name: "back-to-back")
    let blocksPerSecond = BenchmarkMetric.custom("Blocks per second", polarity: .prefersLarger, useScalingFactor: false)
    Benchmark(
        "Block commits back to back, 1,000 tx, \(blocksPerBurst) per sample",
        configuration: .init(metrics: [.wallClock, blocksPerSecond], timeUnits: .milliseconds, warmupIterations: 1, maxIterations: 15),
        closure: { benchmark in
            guard let store = burst.store?.store, let chain = burst.chain else { return benchmark.error("not set up") }
            let blocks = (0..<blocksPerBurst).map { _ in chain.next(transactionCount: transactionsPerBlock) }
            benchmark.startMeasurement()
            let started = ContinuousClock.now
            for decided in blocks {
                try store.blocks.commit(
                    block: decided.block, commit: decided.commit, stateWrites: decided.stateWrites, appHash: decided.appHash,
                    validatorSets: decided.validatorSets, transactions: decided.transactions)
            }
            let elapsed = ContinuousClock.now - started
            benchmark.stopMeasurement()
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            benchmark.measurement(blocksPerSecond, Int((Double(blocksPerBurst) / seconds).rounded()))
        },
        setup: { try burst.open(withChain: true) },
        teardown: { burst.close() })

    // Each sample: one prevote authorised at the next height: the stored state is read, the
    // vote signed (Ed25519, about 12 µs) and the new state committed durably.
    let signer = BenchSession(name: "signer")
    let validatorKey = KeyPair(seed: [UInt8](repeating: 7, count: 32))
    let signerHeight = Counter()
    Benchmark(
        "Signer-state update, durable",
        configuration: .init(maxIterations: 1_000),
        closure: { benchmark in
            guard let store = signer.store?.store, let key = validatorKey else { return benchmark.error("not set up") }
            let height = signerHeight.next()
            let signBytes = Vote.signBytes(chainID: BenchChain.chainID, type: .prevote, height: height, round: 0,
                                           blockID: BlockID(hash: Hash.sha256(withUnsafeBytes(of: height) { Array($0) })))
            try measureDurableWrite(benchmark) {
                blackHole(try store.signer.authorize(height: height, round: 0, step: .prevote, signBytes: signBytes) { key.sign($0) })
            }
        },
        setup: { try signer.open(withChain: false) },
        teardown: { signer.close() })

    // Each sample: one signed vote (its 134-byte canonical encoding) appended; eight records per
    // height, and the log trimmed (untimed) when the height moves on, as the driver does.
    let wal = BenchSession(name: "wal")
    let walRecords = Counter()
    let recordsPerHeight: UInt64 = 8
    Benchmark(
        "WAL append, vote record, durable",
        configuration: .init(maxIterations: 1_000),
        closure: { benchmark in
            guard let store = wal.store?.store, let key = validatorKey else { return benchmark.error("not set up") }
            let index = walRecords.next()
            let height = index / recordsPerHeight + 1
            if index % recordsPerHeight == 0 { try store.wal.trim(below: height) }
            var vote = Vote(type: .prevote, height: height, round: 0, blockID: BlockID(hash: Hash.sha256([UInt8(index & 0xff)])),
                            validatorAddress: key.publicKey.address, validatorIndex: 0)
            vote.signature = key.sign(vote.signBytes(chainID: BenchChain.chainID))
            let record = vote.canonicalBytes
            try measureDurableWrite(benchmark) {
                blackHole(try store.wal.append(height: height, record: record))
            }
        },
        setup: { try wal.open(withChain: false) },
        teardown: { wal.close() })

    // No I/O: what BlockStore.commit(block:commit:...) encodes before its transaction (block,
    // commit, validator set, 1,000 location records), on one block made in setup.
    let encodeChain = Holder<DecidedBlock>()
    Benchmark(
        "Block commit encoding only, 1,000 tx (no I/O)",
        configuration: .init(metrics: [.wallClock], maxIterations: 1_000),
        closure: { benchmark in
            guard let decided = encodeChain.value else { return benchmark.error("not set up") }
            blackHole(decided.encoded())
        },
        setup: {
            let chain = BenchChain()
            _ = chain.genesisBlock()
            encodeChain.value = chain.next(transactionCount: transactionsPerBlock)
        },
        teardown: { encodeChain.value = nil })
}
