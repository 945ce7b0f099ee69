import Foundation
import Testing
@testable import RatifyCore

/// `Double.fixedPoint(fractionDigits:)` prints what `String(format: "%.Nf")` prints, apart from
/// exact halves (rounded away from zero, where printf rounds to even) and a negative value that
/// rounds to zero (no sign).
@Suite("Fixed-point figures")
struct FixedPointTests {
    @Test("chosen values")
    func chosen() {
        #expect(7.0.fixedPoint(fractionDigits: 2) == "7.00")
        #expect(0.004.fixedPoint(fractionDigits: 2) == "0.00")
        #expect(0.006.fixedPoint(fractionDigits: 2) == "0.01")
        #expect(1_234.5678.fixedPoint(fractionDigits: 1) == "1234.6")
        #expect(9.96.fixedPoint(fractionDigits: 1) == "10.0", "a carry into the whole part")
        #expect((-3.14159).fixedPoint(fractionDigits: 2) == "-3.14")
        #expect((-0.001).fixedPoint(fractionDigits: 2) == "0.00", "no sign on a zero")
        #expect(2.5.fixedPoint(fractionDigits: 0) == "3", "halves away from zero")
        #expect(42.0.fixedPoint(fractionDigits: 0) == "42")
        #expect(0.5.fixedPoint(fractionDigits: 12) == "0.500000000", "at most nine digits")
        #expect(1.0.fixedPoint(fractionDigits: -1) == "1")
    }

    @Test("non-finite and huge values fall back to the standard description")
    func fallback() {
        #expect(Double.nan.fixedPoint(fractionDigits: 1) == "nan")
        #expect(Double.infinity.fixedPoint(fractionDigits: 1) == "inf")
        #expect((-Double.infinity).fixedPoint(fractionDigits: 1) == "-inf")
        #expect(1e20.fixedPoint(fractionDigits: 1) == "1e+20")
    }

    @Test("agrees with String(format:) on 20,000 pseudo-random values", arguments: [0, 1, 2, 3])
    func agreesWithFormat(fractionDigits: Int) {
        var random = SplitMix64(seed: 0x5EED_0000 + UInt64(fractionDigits))
        var disagreements: [Double] = []
        for _ in 0..<20_000 {
            let magnitude = [1.0, 100.0, 10_000.0, 1e9][Int(random.next() % 4)]
            // Full 53-bit fractions, so no value sits on a decimal half.
            let value = (Double(random.next() >> 11) / 9_007_199_254_740_992 * 2 - 1) * magnitude
            let expected = String(format: "%.\(fractionDigits)f", value)
            let printed = value.fixedPoint(fractionDigits: fractionDigits)
            // printf keeps the sign of a negative value that rounds to zero ("-0.0").
            if printed != expected, !(expected.hasPrefix("-") && expected.dropFirst() == printed) {
                disagreements.append(value)
            }
        }
        #expect(disagreements.isEmpty, "differs from %.\(fractionDigits)f at \(disagreements.prefix(5))")
    }
}
