/// A fraction in [0, 1] held exactly as parts per million (0...1_000_000), for slashing
/// fractions. Written in files as a decimal string ("0.05"); parsed digit by digit with no
/// floating point, so every node computes the same slashed amount.
public struct PartsPerMillion: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let one: UInt32 = 1_000_000
    public let value: UInt32

    public init?(_ value: UInt32) {
        guard value <= Self.one else { return nil }
        self.value = value
    }

    /// For values known in range (literal defaults); anything above one million becomes one.
    public init(clamping value: UInt32) {
        self.value = min(value, Self.one)
    }

    public static let zero = PartsPerMillion(clamping: 0)

    /// Parses `0`, `1`, `0.05`, `1.000000`: an integer part of 0 or 1 and at most six decimals,
    /// no sign, no exponent; nil for anything else, including values above 1.
    public init?(decimal text: String) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, whole == "0" || whole == "1" else { return nil }
        var fraction = parts.count == 2 ? Array(parts[1].utf8) : []
        if parts.count == 2 && fraction.isEmpty { return nil }
        guard fraction.count <= 6,
              fraction.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        while fraction.count < 6 { fraction.append(UInt8(ascii: "0")) }
        var micros: UInt32 = 0
        for digit in fraction { micros = micros * 10 + UInt32(digit - UInt8(ascii: "0")) }
        let total = (whole == "1" ? Self.one : 0) + micros
        guard total <= Self.one else { return nil }
        self.value = total
    }

    /// The shortest decimal that parses back to this value: "0", "1", "0.05", "0.000001".
    public var decimal: String {
        if value == 0 { return "0" }
        if value == Self.one { return "1" }
        var fraction = String(value)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "0." + fraction
    }

    public var description: String { decimal }

    /// `amount * self`, rounded down, without overflow (the product is formed in 128 bits).
    public func apply(to amount: UInt64) -> UInt64 {
        let product = amount.multipliedFullWidth(by: UInt64(value))
        let (quotient, _) = UInt64(Self.one).dividingFullWidth(product)
        return quotient
    }

    public static func < (lhs: PartsPerMillion, rhs: PartsPerMillion) -> Bool { lhs.value < rhs.value }
}
