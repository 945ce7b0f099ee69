/// The rates `--saturate` measures. From the first, each step is half again the last (rounded
/// up to 100 tx/s) while every step is sustainable. After the first step that is not, up to
/// `refinements` more steps halve the gap between the highest sustainable rate and the lowest
/// unsustainable one (rounded to 100 tx/s), so the edge is known to within an eighth of it
/// rather than a third. Pure: the benchmark measures `rate` and tells the ladder how it went.
public struct SaturationLadder: Sendable, Equatable {
    /// The highest rate a step may offer.
    public static let rateMax = 1_000_000.0

    public let refinements: Int
    /// The rate to measure next.
    public private(set) var rate: Double
    /// The highest rate found sustainable so far.
    public private(set) var sustainable: Double?
    /// The lowest rate found unsustainable so far.
    public private(set) var unsustainable: Double?
    private var refined = 0

    public init(start: Double, refinements: Int) {
        rate = start
        self.refinements = max(0, refinements)
    }

    /// Records whether `rate` was sustainable and moves to the next rate; nil when the search is
    /// over (a first step that failed, the refinements spent, a gap of one rounding step, or
    /// `rateMax` passed).
    public mutating func record(sustainable isSustainable: Bool) -> Double? {
        if isSustainable { sustainable = max(sustainable ?? rate, rate) } else { unsustainable = min(unsustainable ?? rate, rate) }
        guard let high = unsustainable else {
            let next = (rate * 1.5 / 100).rounded(.up) * 100
            guard next <= Self.rateMax else { return nil }
            rate = next
            return next
        }
        guard let low = sustainable, refined < refinements else { return nil }
        let middle = ((low + high) / 2 / 100).rounded() * 100
        guard middle > low, middle < high else { return nil }
        refined += 1
        rate = middle
        return middle
    }
}
