/// The integer arithmetic of CometBFT's proposer priority, bit for bit.
///
/// Proposer selection must give every node the same sequence as CometBFT for the same powers
/// and addresses, including on inputs no honest chain produces (priorities decoded from a
/// peer can be any `Int64`). So each operation here copies Go's semantics exactly, and none
/// of them can trap:
/// - priority additions clip at the `Int64` bounds (CometBFT's `safeAddClip`/`safeSubClip`);
/// - the max-min spread and the rescale ratio wrap on overflow, as Go's `int64` does;
/// - quotients truncate toward zero, as Go's `/` does, and `Int64.min / -1` yields
///   `Int64.min` (Go's defined result) instead of trapping;
/// - the average is floored (Go's `big.Int.Div` is Euclidean division) over a 128-bit sum.
enum ProposerPriorityArithmetic {
    /// `a + b`, clipped to `Int64.min...Int64.max` (CometBFT's `safeAddClip`).
    @inline(__always)
    static func addClipping(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard overflow else { return sum }
        return b < 0 ? .min : .max
    }

    /// `a - b`, clipped to `Int64.min...Int64.max` (CometBFT's `safeSubClip`).
    @inline(__always)
    static func subtractClipping(_ a: Int64, _ b: Int64) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        guard overflow else { return difference }
        return b > 0 ? .min : .max
    }

    /// Go's truncating `a / b`: `Int64.min / -1` wraps to `Int64.min`; a zero divisor (which
    /// the callers never pass) yields `a` rather than a trap.
    @inline(__always)
    static func goQuotient(_ a: Int64, _ b: Int64) -> Int64 {
        a.dividedReportingOverflow(by: b).partialValue
    }

    /// `max - min` over the priorities, made non-negative the way CometBFT's
    /// `computeMaxMinPriorityDiff` does it: with wrapping subtraction and negation. For any
    /// spread that fits in `Int64` this is the plain spread; the wrapping only matters for
    /// hostile inputs and is kept so that even those agree with CometBFT.
    static func spread(of priorities: some Sequence<Int64>) -> Int64 {
        var maximum = Int64.min
        var minimum = Int64.max
        for priority in priorities {
            if priority < minimum { minimum = priority }
            if priority > maximum { maximum = priority }
        }
        let difference = maximum &- minimum
        return difference < 0 ? 0 &- difference : difference
    }

    /// The floored average, as Go's `big.Int.Div` computes it (for a positive divisor,
    /// Euclidean division is floor division: the average of -1, 0, 0 is -1, not 0). Fewer than
    /// 2^63 values of 64 bits sum to less than 2^126, so the 128-bit accumulator cannot
    /// overflow. Returns 0 for no values (callers never pass none).
    static func flooredAverage(of priorities: some Collection<Int64>) -> Int64 {
        guard !priorities.isEmpty else { return 0 }
        var sum: Int128 = 0
        for priority in priorities { sum += Int128(priority) }
        let count = Int128(priorities.count)
        var quotient = sum / count
        if sum % count != 0 && sum < 0 { quotient -= 1 }
        // The floored average of Int64 values lies between their minimum and maximum, so
        // clamping never changes it; it only spares a trap the type system cannot rule out.
        return Int64(clamping: quotient)
    }
}
