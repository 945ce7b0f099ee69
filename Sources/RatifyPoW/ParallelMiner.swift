import Dispatch
import Foundation
import Synchronization

/// Searches nonces on N threads of its own (`Thread`, never the Swift concurrency pool: the
/// work is CPU-bound and would starve everything else there).
///
/// Threads claim batches of `batchNonces` consecutive nonces from a shared atomic counter, so
/// the range is split into disjoint pieces handed out as threads finish, and they stay busy
/// whatever their speed. The winner is defined as the **lowest** nonce in the range that meets
/// the target: a thread that finds one records it and stops; the others finish only batches
/// that start below it (one of which may hold a lower winner) and claim no more. So every
/// thread count finds the same solution for the same range. Between batches each thread reads
/// the `CancellationFlag`; with 4096-nonce batches at about 10 MH/s a thread notices within
/// about 0.4 ms.
public struct ParallelMiner: Sendable {
    public static let threadCountMax = 256
    public static let batchNoncesDefault: UInt32 = 4096

    public let threadCount: Int
    public let batchNonces: UInt32
    /// The compression code; an unavailable one falls back to OpenSSL's.
    public let core: HashingCore

    public init(threadCount: Int, batchNonces: UInt32 = Self.batchNoncesDefault, core: HashingCore = .fastest) {
        precondition((1...Self.threadCountMax).contains(threadCount), "callers validate the thread count")
        precondition(batchNonces > 0, "a batch holds at least one nonce")
        self.threadCount = threadCount
        self.batchNonces = batchNonces
        self.core = core.isAvailable ? core : .openSSL
    }

    /// State the threads of one search share.
    private final class Shared: Sendable {
        /// Offset from the range's lower end of the next unclaimed batch.
        let nextOffset = Atomic<UInt64>(0)
        /// Offset of the lowest solution found so far; `.max` while there is none.
        let bestOffset = Atomic<UInt64>(.max)
        let hashesPerThread: Mutex<[UInt64]>

        init(threadCount: Int) { hashesPerThread = Mutex([UInt64](repeating: 0, count: threadCount)) }

        func recordSolution(offset: UInt64) {
            var current = bestOffset.load(ordering: .relaxed)
            while offset < current {
                let (exchanged, original) = bestOffset.compareExchange(
                    expected: current, desired: offset, ordering: .relaxed)
                if exchanged { return }
                current = original
            }
        }
    }

    /// Searches `nonces` of `header` for the lowest nonce whose hash is at most `target`,
    /// blocking the calling thread until a solution, the end of the range, or `cancel`.
    public func search(header: BlockHeader80, target: UInt256, nonces: ClosedRange<UInt32>,
                       cancel: CancellationFlag) -> SearchOutcome {
        let shared = Shared(threadCount: threadCount)
        let span = UInt64(nonces.upperBound - nonces.lowerBound) + 1
        let lower = nonces.lowerBound
        let batch = UInt64(batchNonces)
        let core = core
        let group = DispatchGroup()
        for index in 0..<threadCount {
            group.enter()
            let thread = Thread {
                let scanner = NonceScanner(header: header, target: target, core: core)
                var hashed: UInt64 = 0
                while !cancel.isCancelled {
                    let start = shared.nextOffset.wrappingAdd(batch, ordering: .relaxed).oldValue
                    guard start < span, start < shared.bestOffset.load(ordering: .relaxed) else { break }
                    let end = min(start + batch, span) - 1
                    // Offsets are below 2^32 and lower + offset stays within the range.
                    let result = scanner.scan(lower: lower + UInt32(start), upper: lower + UInt32(end))
                    hashed += result.hashed
                    if let nonce = result.nonce {
                        shared.recordSolution(offset: UInt64(nonce - lower))
                        break
                    }
                }
                shared.hashesPerThread.withLock { $0[index] = hashed }
                group.leave()
            }
            thread.name = "ratify-pow-\(index)"
            thread.start()
        }
        group.wait()

        let best = shared.bestOffset.load(ordering: .acquiring)
        var solution: PoWSolution?
        if best != .max {
            var solved = header
            solved.nonce = lower + UInt32(best)
            solution = PoWSolution(header: solved, hash: solved.hash)
        }
        return SearchOutcome(solution: solution, cancelled: solution == nil && cancel.isCancelled,
                             hashesPerThread: shared.hashesPerThread.withLock { $0 }, headersTried: 1)
    }

    /// Mines `template`: searches `nonces` (the whole nonce space unless a test narrows it), and
    /// when they are exhausted asks `roll` for a new header, up to `rollsMax` times. Blocks the
    /// calling thread.
    public func mine(template: BlockHeader80, target: UInt256, nonces: ClosedRange<UInt32> = 0...UInt32.max,
                     roll: HeaderRoll, rollsMax: UInt64 = 1 << 20, cancel: CancellationFlag) -> SearchOutcome {
        var header = template
        var total = [UInt64](repeating: 0, count: threadCount)
        var rolls: UInt64 = 0
        while true {
            let outcome = search(header: header, target: target, nonces: nonces, cancel: cancel)
            for index in total.indices { total[index] &+= outcome.hashesPerThread[index] }
            let done = outcome.solution != nil || outcome.cancelled || rolls == rollsMax
            if !done, let next = roll.next(after: header, roll: rolls + 1) {
                header = next
                rolls += 1
                continue
            }
            return SearchOutcome(solution: outcome.solution, cancelled: outcome.cancelled,
                                 hashesPerThread: total, headersTried: rolls + 1)
        }
    }

    /// `mine` from async code: the search runs on its own threads and never blocks the
    /// concurrency pool; cancelling the task sets `cancel`.
    public func mine(template: BlockHeader80, target: UInt256, nonces: ClosedRange<UInt32> = 0...UInt32.max,
                     roll: HeaderRoll, rollsMax: UInt64 = 1 << 20,
                     cancel: CancellationFlag = CancellationFlag()) async -> SearchOutcome {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread {
                    continuation.resume(returning: mine(template: template, target: target, nonces: nonces,
                                                        roll: roll, rollsMax: rollsMax, cancel: cancel))
                }
                thread.name = "ratify-pow-mine"
                thread.start()
            }
        } onCancel: {
            cancel.cancel()
        }
    }
}
