extension Double {
    /// This value with `fractionDigits` (0-9) digits after the point, rounded to the nearest
    /// (halves away from zero), for figures the node writes on every height: the `finalized`
    /// line's milliseconds and the `block` event's `latency_ms`. Foundation's
    /// `String(format: "%.1f")` does the same through its format parser and a bridged string,
    /// about 5 µs a number. Non-finite values and magnitudes past 2^53 print as Swift describes
    /// them (`nan`, `inf`, `1e+20`); a value that rounds to zero prints without a sign.
    public func fixedPoint(fractionDigits: Int) -> String {
        let digits = Swift.min(Swift.max(fractionDigits, 0), 9)
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = (magnitude * Double(scale)).rounded(.toNearestOrAwayFromZero)
        guard isFinite, scaled < 9_007_199_254_740_992 else { return String(describing: self) }
        let units = UInt64(scaled)
        let whole = String(units / scale)
        let sign = self < 0 && units != 0 ? "-" : ""
        guard digits > 0 else { return sign + whole }
        let fraction = String(units % scale)
        return sign + whole + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}
