/// Where one height's time went on one validator, from the start of its round 0 to its
/// decision: the per-step breakdown in the `finalized` log line (`propose_ms` ... `sign_ms`)
/// that `ratify bench finality` reports. Milliseconds.
public struct HeightSteps: Sendable, Equatable {
    /// Round 0 began → a proposal for the height was here (built and signed, or received).
    public var proposeMillis: Double
    /// → this validator signed its prevote (validation, the signer's durable write).
    public var prevoteMillis: Double
    /// → it signed its precommit (waiting for 2/3+ prevotes, the signer's write).
    public var precommitMillis: Double
    /// → it decided (waiting for 2/3+ precommits).
    public var commitMillis: Double
    /// Of all the above, the time spent in the double-sign guard's durable writes.
    public var signMillis: Double

    public init(proposeMillis: Double, prevoteMillis: Double, precommitMillis: Double, commitMillis: Double, signMillis: Double) {
        self.proposeMillis = proposeMillis
        self.prevoteMillis = prevoteMillis
        self.precommitMillis = precommitMillis
        self.commitMillis = commitMillis
        self.signMillis = signMillis
    }

    static let fieldNames = (propose: "propose_ms", prevote: "prevote_ms", precommit: "precommit_ms", commit: "commit_ms",
                             sign: "sign_ms")

    /// Read back from a log line's fields; nil unless all are there.
    public init?(fields: [Substring: Substring]) {
        let names = Self.fieldNames
        guard let propose = fields[Substring(names.propose)].flatMap({ Double($0) }),
              let prevote = fields[Substring(names.prevote)].flatMap({ Double($0) }),
              let precommit = fields[Substring(names.precommit)].flatMap({ Double($0) }),
              let commit = fields[Substring(names.commit)].flatMap({ Double($0) }),
              let sign = fields[Substring(names.sign)].flatMap({ Double($0) }) else { return nil }
        self.init(proposeMillis: propose, prevoteMillis: prevote, precommitMillis: precommit, commitMillis: commit, signMillis: sign)
    }
}

/// When a height's steps happened on this node (wall-clock milliseconds), kept by the driver
/// as the height runs.
struct HeightTimeline {
    var startedMillis: Double
    var proposalMillis: Double?
    var prevoteMillis: Double?
    var precommitMillis: Double?
    var signMillis: Double = 0

    init(startedMillis: Double) { self.startedMillis = startedMillis }

    /// The breakdown at a decision, if this node saw every step in the first round (a node that
    /// does not vote, or a height that needed a later round, has none).
    func steps(decidedMillis: Double) -> HeightSteps? {
        guard let proposalMillis, let prevoteMillis, let precommitMillis else { return nil }
        return HeightSteps(proposeMillis: max(0, proposalMillis - startedMillis), prevoteMillis: max(0, prevoteMillis - proposalMillis),
                           precommitMillis: max(0, precommitMillis - prevoteMillis),
                           commitMillis: max(0, decidedMillis - precommitMillis), signMillis: signMillis)
    }
}
