import RatifyCore
import RatifyNet

/// What this node believes one peer has: its last announced `PeerState`, the votes it is known
/// to have (announced, sent to it, or received from it), and what catch-up was last sent.
/// Bounded: only vote sets of the peer's current and previous height are kept.
struct PeerKnownState: Sendable {
    static let voteSetsMax = 64

    private(set) var announced: PeerState?
    private var votes: [VoteKey: VoteBitmap] = [:]
    var proposalKnown: (height: Height, round: Round)?
    var lastCatchUp: (height: Height, nanos: UInt64)?
    /// Since when the peer has announced the height it is at now, if that is below this node's.
    var behindSince: (height: Height, nanos: UInt64)?

    /// How long a peer one height behind is left to finish that height itself before this node
    /// sends it the decided block: a peer that is still counting the height's precommits, or
    /// storing its block, needs nothing (docs/NODE.md, "Catch-up").
    static let oneBehindGraceNanos: UInt64 = 500_000_000
    /// A peer is sent the same height's block at most this often.
    static let catchUpRepeatNanos: UInt64 = 1_000_000_000

    /// Whether to send the peer, now, the decided block (and commit) of the height it announced,
    /// with this node at `localHeight`; records the send. Never to a peer that announces step
    /// `commit` (it has decided and holds the block), to one two or more heights behind at once,
    /// to one a height behind once it has stayed there `oneBehindGraceNanos`; a height at most
    /// once every `catchUpRepeatNanos`.
    mutating func takeCatchUp(localHeight: Height, nowNanos: UInt64) -> Height? {
        guard let announced, announced.height < localHeight else {
            behindSince = nil
            return nil
        }
        if behindSince?.height != announced.height { behindSince = (announced.height, nowNanos) }
        guard announced.step != .commit else { return nil }
        if localHeight - announced.height == 1, let since = behindSince?.nanos, nowNanos &- since < Self.oneBehindGraceNanos {
            return nil
        }
        if let last = lastCatchUp, last.height == announced.height, nowNanos &- last.nanos < Self.catchUpRepeatNanos { return nil }
        lastCatchUp = (announced.height, nowNanos)
        return announced.height
    }

    mutating func update(_ state: PeerState) {
        if let previous = announced, previous.height != state.height {
            // Heights are the peer's word (up to 2^64-1): compared without adding to them.
            votes = votes.filter { $0.key.height >= state.height || state.height - $0.key.height <= 1 }
            // A proposal sent before the peer reached its height was ignored there (it could
            // not be judged yet): the gossip tick sends it again.
            if proposalKnown?.height == state.height { proposalKnown = nil }
        }
        announced = state
        // The announcement is the peer's word on what it has: it replaces what we assumed from
        // our own sends, so a vote the peer dropped (its delivery queue was full) is sent again.
        for type in VoteType.allCases {
            let key = VoteKey(height: state.height, round: state.round, type: type)
            votes[key] = nil
            mark(key, state.votes(type))
        }
        if let polRound = state.polRound, polRound != state.round {
            let key = VoteKey(height: state.height, round: polRound, type: .prevote)
            votes[key] = nil
            mark(key, state.polPrevotes)
        }
    }

    /// Whether the peer's last announcement shows it past the propose step of `round` at
    /// `height`: at a later height, a later round of it, or a later step of that round.
    /// Heights and rounds are the peer's word: only compared.
    func isPastPropose(height: Height, round: Round) -> Bool {
        guard let announced else { return false }
        if announced.height != height { return announced.height > height }
        if announced.round != round { return announced.round > round }
        return announced.step.rawValue > RoundStep.propose.rawValue
    }

    func knows(_ vote: Vote) -> Bool {
        votes[VoteKey(vote)]?.contains(Int(vote.validatorIndex)) ?? false
    }

    /// Marks `vote` as known; false when it already was (it need not be sent).
    mutating func markIfNew(_ vote: Vote) -> Bool {
        guard !knows(vote) else { return false }
        markKnown(vote)
        return true
    }

    mutating func markKnown(_ vote: Vote) {
        var bitmap = VoteBitmap.empty
        bitmap.insert(Int(vote.validatorIndex))
        mark(VoteKey(vote), bitmap)
    }

    func known(_ key: VoteKey) -> VoteBitmap { votes[key] ?? .empty }

    private mutating func mark(_ key: VoteKey, _ bitmap: VoteBitmap) {
        if votes[key] == nil, votes.count >= Self.voteSetsMax {
            // Forget the oldest set; at worst a vote is sent twice.
            if let oldest = votes.keys.min(by: { ($0.height, $0.round) < ($1.height, $1.round) }) { votes[oldest] = nil }
        }
        votes[key, default: .empty].formUnion(bitmap)
    }
}
