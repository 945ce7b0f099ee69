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

    @Test("finds the lowest valid nonce for an easy target, and its hash meets the target", arguments: HashingCore.allCases)
    func findsValidNonce(core: HashingCore) throws {
        let target = Self.target(oneIn: 10)
        let outcome = ParallelMiner(threadCount: 2, core: core).search(header: Self.template, target: target,
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

    static let winnerCases: [(Int, UInt32)] = [(1, 4096), (2, 4096), (2, 7), (3, 64), (4, 1), (8, 256), (16, 33)]

    @Test("every thread count and batch size gives the same winner for a fixed range, with either core",
          arguments: HashingCore.allCases, winnerCases.indices)
    func deterministicWinner(core: HashingCore, caseIndex: Int) throws {
        let (threads, batch) = Self.winnerCases[caseIndex]
        // Several targets, so winners fall on odd and even nonces and at batch edges.
        for (bits, range) in [(13, 1_000...60_000), (9, 1...3_000), (6, 17...400)] as [(Int, ClosedRange<UInt32>)] {
            let target = Self.target(oneIn: bits)
            let expected = try #require(Self.referenceSolution(Self.template, target, range))
            let miner = ParallelMiner(threadCount: threads, batchNonces: batch, core: core)
            let outcome = miner.search(header: Self.template, target: target, nonces: range, cancel: CancellationFlag())
            #expect(outcome.solution?.header.nonce == expected, "\(core), \(threads) threads, batches of \(batch), 1 in 2^\(bits)")
            #expect(outcome.hashesPerThread.count == threads)
        }
    }

    @Test("the two cores compute the same hashes: every nonce of a range, scanned one by one with target = its own hash")
    func coresAgree() throws {
        try #require(HashingCore.shaNIx2.isAvailable, "this CPU has no SHA extensions; only OpenSSL's core runs here")
        var header = Self.template
        for nonce: UInt32 in [0, 1, 2, 3, 1_000, 99_999, UInt32.max - 1, UInt32.max] {
            header.nonce = nonce
            let target = header.hash.value  // met by this nonce's hash exactly, by almost no other
            for core in HashingCore.allCases {
                let scanner = NonceScanner(header: Self.template, target: target, core: core)
                let single = scanner.scan(lower: nonce, upper: nonce)
                #expect(single.nonce == nonce && single.hashed == 1, "\(core), nonce \(nonce)")
                if nonce > 0 {
                    let below = NonceScanner(header: Self.template, target: target.subtractingReportingOverflow(.one).partialValue, core: core)
                    #expect(below.scan(lower: nonce, upper: nonce).nonce == nil, "\(core), nonce \(nonce): one below its hash")
                }
            }
        }
    }

    @Test("an exhausted range reports no solution and hashes every nonce exactly once", arguments: HashingCore.allCases)
    func exhaustedRange(core: HashingCore) {
        // One hash in 2^64 meets this target: none will in 50,001 nonces.
        let outcome = ParallelMiner(threadCount: 3, batchNonces: 1000, core: core)
            .search(header: Self.template, target: Self.target(oneIn: 64), nonces: 0...50_000, cancel: CancellationFlag())
        #expect(outcome.solution == nil)
        #expect(!outcome.cancelled)
        #expect(outcome.hashes == 50_001)
    }

    @Test("the top of the nonce space: ranges ending at UInt32.max terminate, odd counts included", arguments: HashingCore.allCases)
    func topOfRange(core: HashingCore) {
        for (count, batch): (UInt32, UInt32) in [(1000, 100), (999, 100), (1, 1), (7, 3)] {
            let outcome = ParallelMiner(threadCount: 2, batchNonces: batch, core: core)
                .search(header: Self.template, target: Self.target(oneIn: 64), nonces: (UInt32.max - (count - 1))...UInt32.max,
                        cancel: CancellationFlag())
            #expect(outcome.hashes == UInt64(count), "\(core), \(count) nonces")
        }
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
