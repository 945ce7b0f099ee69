/// How a proof-of-work chain adjusts its target (docs/POW.md, "Retargeting").
public enum RetargetRule: String, CaseIterable, Sendable, CanonicalEncodable {
    /// Bitcoin's rule: every 2016 blocks, scaled by actual over expected time, clamped to 4x.
    case bitcoin
    /// ASERT (aserti3-2d, Bitcoin Cash 2020): per block, exponential in the schedule error,
    /// with `pow.asert_half_life_s`. Suits fast testnets, whose hash rate swings.
    case asert

    public var tag: UInt8 {
        switch self {
        case .bitcoin: 0
        case .asert: 1
        }
    }

    public func encode(to writer: inout ByteWriter) { writer.write(tag) }
}
