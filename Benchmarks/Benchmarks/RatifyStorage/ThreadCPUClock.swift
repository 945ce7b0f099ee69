import Foundation

/// The CPU time of the calling thread (user + system, `CLOCK_THREAD_CPUTIME_ID`): what a commit
/// costs the processor without the time spent waiting for the disk, so much less disturbed by
/// other users of the disk than wall time. Benchmarks/baseline/lmdb_baseline.c reports the same.
enum ThreadCPUClock {
    static func nanoseconds() -> UInt64 {
        var time = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time) == 0 else { return 0 }
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
