/// The chain's start time: an RFC 3339 UTC timestamp such as `2026-01-01T00:00:00Z` or
/// `2026-01-01T00:00:00.250Z`, held as whole seconds since the Unix epoch plus nanoseconds.
///
/// Parsed by hand (no DateFormatter): the format is fixed, must not depend on the locale, and
/// nanoseconds must survive exactly because the time is part of the genesis hash. Only `Z`
/// is accepted as the offset, so one instant has one spelling.
public struct GenesisTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var unixSeconds: Int64
    /// 0..<1_000_000_000.
    public var nanos: UInt32

    public init?(unixSeconds: Int64, nanos: UInt32 = 0) {
        guard nanos < 1_000_000_000,
              unixSeconds >= Self.secondsMin, unixSeconds <= Self.secondsMax else { return nil }
        self.unixSeconds = unixSeconds
        self.nanos = nanos
    }

    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years four digits can write.
    static let secondsMin: Int64 = -62_135_596_800
    static let secondsMax: Int64 = 253_402_300_799

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (1 to 9 fraction digits); nil otherwise.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        guard b.count >= 20, b.count <= 30, b.last == UInt8(ascii: "Z"),
              b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = Self.digits(b, 0, 4), let month = Self.digits(b, 5, 2), let day = Self.digits(b, 8, 2),
              let hour = Self.digits(b, 11, 2), let minute = Self.digits(b, 14, 2), let second = Self.digits(b, 17, 2),
              year >= 1, month >= 1, month <= 12, day >= 1, day <= Self.daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var nanos: Int64 = 0
        if b.count > 20 {
            // ".d" to ".ddddddddd" between the seconds and the Z.
            let fractionCount = b.count - 21
            guard b[19] == UInt8(ascii: "."), fractionCount >= 1, fractionCount <= 9,
                  let fraction = Self.digits(b, 20, fractionCount) else { return nil }
            nanos = fraction
            for _ in fractionCount..<9 { nanos *= 10 }
        }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        self.unixSeconds = days * 86_400 + hour * 3_600 + minute * 60 + second
        self.nanos = UInt32(nanos)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, with nine fraction digits only when nanos is not zero.
    public var rfc3339: String {
        let days = Self.floorDiv(unixSeconds, 86_400)
        let secondOfDay = unixSeconds - days * 86_400
        let (year, month, day) = Self.civilFromDays(days)
        var text = Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(day, 2) + "T"
        text += Self.pad(secondOfDay / 3_600, 2) + ":" + Self.pad(secondOfDay / 60 % 60, 2) + ":" + Self.pad(secondOfDay % 60, 2)
        if nanos != 0 { text += "." + Self.pad(Int64(nanos), 9) }
        return text + "Z"
    }

    public var description: String { rfc3339 }

    public static func < (lhs: GenesisTime, rhs: GenesisTime) -> Bool {
        (lhs.unixSeconds, lhs.nanos) < (rhs.unixSeconds, rhs.nanos)
    }

    // MARK: calendar (proleptic Gregorian; H. Hinnant's days_from_civil / civil_from_days)

    private static func digits(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int64? {
        guard start >= 0, start + count <= bytes.count else { return nil }
        var value: Int64 = 0
        for byte in bytes[start..<(start + count)] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : (a - b + 1) / b
    }

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
