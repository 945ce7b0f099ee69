/// A count shared by one benchmark's iterations: heights and sequence numbers that must keep
/// increasing across samples (and across the warm-up).
///
/// @unchecked Sendable: the harness runs one benchmark's iterations one after another.
final class Counter: @unchecked Sendable {
    private var value: UInt64 = 0

    /// 1, 2, 3, ...
    func next() -> UInt64 {
        value += 1
        return value
    }
}
