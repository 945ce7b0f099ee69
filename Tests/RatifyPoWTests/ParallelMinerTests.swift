import Foundation
import Testing
@testable import RatifyPoW

@Suite("the parallel hashing core")
struct ParallelMinerTests {
    /// Bitcoin's block 100000 with its nonce cleared: a realistic header to mine again.
    static let template: BlockHeader80 = {
        var header = try! BlockHeader80(hex: BitcoinHeaders.all[7].hex)
        header.nonce = 0
        return header
    }()

    /// A target met by one hash in 2^bits on average.
    static func target(oneIn bits: Int) -> UInt256 { UInt256.max.shiftedRight(by: bits) }

    /// The lowest nonce in `range` meeting `target`, by hashing each header the slow way
    /// (`BlockHeader80.hash`: OpenSSL's one-shot SHA-256 twice, no midstate).
    static func referenceSolution(_ header: BlockHeader80, _ target: UInt256, _ range: ClosedRange<UInt32>) -> UInt32? {
        var candidate = header
        for nonce in range {
            candidate.nonce = nonce
            if candidate.hash.value <= target { return nonce }
        }
        return nil
    }

    @Test("finds the lowest valid nonce for an easy target, and its hash meets the target")
    func findsValidNonce() throws {
        let target = Self.target(oneIn: 10)
        let outcome = ParallelMiner(threadCount: 2).search(header: Self.template, target: target,
                                                           nonces: 0...200_000, cancel: CancellationFlag())
        let solution = try #require(outcome.solution)
        #expect(solution.hash == solution.header.hash)
        #expect(solution.hash.value <= target)
        #expect(solution.header.nonce == Self.referenceSolution(Self.template, target, 0...200_000))
        #expect(!outcome.cancelled)
        #expect(outcome.hashes >= UInt64(solution.header.nonce) + 1)
    }

    @Test("a solution meeting the header's own bits validates as a header")
    func minesOwnBits() throws {
        var header = Self.template
        header.bits = CompactTarget(bits: 0x2000_ffff)  // 0xffff << 232: one hash in 256 meets it
        let target = try #require(header.bits.target)
        let outcome = ParallelMiner(threadCount: 2).mine(template: header, target: target, roll: .none, cancel: CancellationFlag())
        let solution = try #require(outcome.solution)
        #expect(solution.header.meetsOwnTarget)
        #expect(outcome.headersTried == 1)
    }

    @Test("every thread count and batch size gives the same winner for a fixed range",
          arguments: [(1, 4096), (2, 4096), (2, 7), (3, 64), (4, 1), (8, 256), (16, 33)] as [(Int, UInt32)])
    func deterministicWinner(threads: Int, batch: UInt32) throws {
        let target = Self.target(oneIn: 13)
        let range: ClosedRange<UInt32> = 1_000...60_000
        let expected = try #require(Self.referenceSolution(Self.template, target, range))
        let miner = ParallelMiner(threadCount: threads, batchNonces: batch)
        let outcome = miner.search(header: Self.template, target: target, nonces: range, cancel: CancellationFlag())
        #expect(outcome.solution?.header.nonce == expected, "\(threads) threads, batches of \(batch)")
        #expect(outcome.hashesPerThread.count == threads)
    }

    @Test("an exhausted range reports no solution and hashes every nonce exactly once")
    func exhaustedRange() {
        // One hash in 2^64 meets this target: none will in 50,001 nonces.
        let outcome = ParallelMiner(threadCount: 3, batchNonces: 1000)
            .search(header: Self.template, target: Self.target(oneIn: 64), nonces: 0...50_000, cancel: CancellationFlag())
        #expect(outcome.solution == nil)
        #expect(!outcome.cancelled)
        #expect(outcome.hashes == 50_001)
    }

    @Test("the top of the nonce space: ranges ending at UInt32.max terminate")
    func topOfRange() {
        let outcome = ParallelMiner(threadCount: 2, batchNonces: 100)
            .search(header: Self.template, target: Self.target(oneIn: 64), nonces: (UInt32.max - 999)...UInt32.max,
                    cancel: CancellationFlag())
        #expect(outcome.hashes == 1000)
    }

    @Test("cancellation stops every thread: the search returns, flagged, long before the range ends")
    func cancellationStopsAllThreads() {
        let cancel = CancellationFlag()
        let started = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(500)) { cancel.cancel() }
        let outcome = ParallelMiner(threadCount: 4)
            .search(header: Self.template, target: .zero, nonces: 0...UInt32.max, cancel: cancel)
        // search returns only after every thread has left its loop.
        #expect(outcome.cancelled)
        #expect(outcome.solution == nil)
        #expect(outcome.hashes < UInt64(UInt32.max))
        #expect(outcome.hashesPerThread.allSatisfy { $0 > 0 }, "every thread ran before it stopped")
        #expect(Date().timeIntervalSince(started) < 60)
    }

    @Test("a flag set before the search starts means no work at all")
    func cancelledBeforeStart() {
        let cancel = CancellationFlag()
        cancel.cancel()
        let outcome = ParallelMiner(threadCount: 2).search(header: Self.template, target: .max, nonces: 0...1000, cancel: cancel)
        #expect(outcome.cancelled && outcome.hashes == 0 && outcome.solution == nil)
    }

    @Test("time roll: an exhausted nonce range moves to the next second and finds the first solution in (time, nonce) order")
    func timeRoll() throws {
        let target = Self.target(oneIn: 12)
        let range: ClosedRange<UInt32> = 0...255
        // The reference: the first time (from the template's) whose range holds a solution.
        var expected: BlockHeader80?
        var header = Self.template
        for _ in 0..<200 {
            if let nonce = Self.referenceSolution(header, target, range) {
                header.nonce = nonce
                expected = header
                break
            }
            header.time += 1
        }
        let solution = try #require(expected)
        try #require(solution.time > Self.template.time, "the template's own range must be empty for this test")
        let outcome = ParallelMiner(threadCount: 2, batchNonces: 16)
            .mine(template: Self.template, target: target, nonces: range, roll: .time(maxTime: Self.template.time + 1000),
                  cancel: CancellationFlag())
        #expect(outcome.solution?.header == solution)
        #expect(outcome.headersTried == UInt64(solution.time - Self.template.time) + 1)
        // Every exhausted header hashed in full, then at least up to the winning nonce.
        #expect(outcome.hashes >= (outcome.headersTried - 1) * 256 + UInt64(solution.nonce) + 1)
    }

    @Test("extra-nonce roll: a new Merkle root per roll, and the search ends when the builder has none")
    func extraNonceRoll() {
        let roots = (1...3).map { index in PoWHash(raw: .zero).withFirstByte(UInt8(index)) }
        let outcome = ParallelMiner(threadCount: 2)
            .mine(template: Self.template, target: .zero, nonces: 0...99,
                  roll: .extraNonce { roll in roll <= 3 ? roots[Int(roll) - 1] : nil }, cancel: CancellationFlag())
        #expect(outcome.solution == nil && !outcome.cancelled)
        #expect(outcome.headersTried == 4)
        #expect(outcome.hashes == 400)
    }

    @Test("async mining runs off the concurrency pool and task cancellation stops it")
    func asyncCancellation() async {
        let task = Task {
            await ParallelMiner(threadCount: 2).mine(template: Self.template, target: .zero, roll: .none)
        }
        try? await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let outcome = await task.value
        // On a loaded machine the task may be cancelled before its threads hash at all; either
        // way the search ends cancelled, long before the nonce space does.
        #expect(outcome.cancelled)
        #expect(outcome.solution == nil && outcome.hashes < UInt64(UInt32.max))
    }
}

extension PoWHash {
    func withFirstByte(_ byte: UInt8) -> PoWHash {
        var bytes = internalBytes
        bytes[0] = byte
        return PoWHash(internalBytes: bytes) ?? self
    }
}

@Suite("the hash-rate benchmark's bookkeeping (its figures are measured in release builds, never here)")
struct HashRateBenchmarkTests {
    @Test("a short run counts hashes on every thread and samples cancellation once per trial")
    func bookkeeping() {
        let result = HashRateBenchmark(threadCount: 2, seconds: 0.2, cancelTrials: 3).run()
        #expect(result.hashesPerThread.count == 2)
        #expect(result.hashesPerThread.allSatisfy { $0 > 0 })
        #expect(result.elapsedSeconds >= 0.2)
        #expect(result.cancelLatenciesMillis.count == 3)
        #expect(result.cancelLatenciesMillis == result.cancelLatenciesMillis.sorted())
        #expect(HashRateBenchmark.header.hash.displayHex == BitcoinHeaders.all[7].hash)
    }
}
