import RatifyCore

/// What one run did.
public struct SimRunResult: Sendable {
    public var config: SimConfig
    public var violation: SimViolation?
    /// Heights every honest validator decided.
    public var heightsDecided: Int
    /// The round of the first honest decision at each height.
    public var decidedRounds: [Round]
    public var messages: UInt64
    public var events: UInt64
    public var simulatedMillis: UInt64
    public var gstMillis: UInt64
    public var evidenceReported: UInt64
    public var byzantineIdentities: [Int]
    public var byzantineStakeFraction: Double
    public var validatorUpdates: Int
    public var trace: [SimTraceEntry]
    /// A setup problem (e.g. a stake list the validator set refuses), not a violation.
    public var setupError: String?
}
