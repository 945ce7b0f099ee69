/// Tendermint timeouts (a step's timeout in round r is `base + delta * r`, Algorithm 1 of
/// Buchman, Kwon and Milosevic 2018) and the empty-block heartbeat. All in milliseconds.
/// Defaults are CometBFT's.
public struct ConsensusParams: Hashable, Sendable, CanonicalEncodable {
    public var timeoutProposeMillis: UInt64 = 3_000
    public var timeoutProposeDeltaMillis: UInt64 = 500
    public var timeoutPrevoteMillis: UInt64 = 1_000
    public var timeoutPrevoteDeltaMillis: UInt64 = 500
    public var timeoutPrecommitMillis: UInt64 = 1_000
    public var timeoutPrecommitDeltaMillis: UInt64 = 500
    /// Wait after a commit before the next height starts, to gather late precommits; may be 0.
    public var timeoutCommitMillis: UInt64 = 1_000
    /// With an empty mempool no block is proposed until this much time has passed since the last.
    public var heartbeatMillis: UInt64 = 10_000

    /// Upper bound on every timeout: one hour. Keeps `base + delta * round` far from overflow
    /// and catches seconds typed where milliseconds were meant the other way round.
    public static let timeoutMillisMax: UInt64 = 3_600_000

    public init() {}

    public func encode(to writer: inout ByteWriter) {
        writer.write(timeoutProposeMillis)
        writer.write(timeoutProposeDeltaMillis)
        writer.write(timeoutPrevoteMillis)
        writer.write(timeoutPrevoteDeltaMillis)
        writer.write(timeoutPrecommitMillis)
        writer.write(timeoutPrecommitDeltaMillis)
        writer.write(timeoutCommitMillis)
        writer.write(heartbeatMillis)
    }
}
