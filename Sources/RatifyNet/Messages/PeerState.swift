import RatifyCore

/// The consensus step a node is in, announced to peers so they know what it is missing.
public enum RoundStep: UInt8, Sendable, Hashable, CaseIterable {
    case newHeight = 0
    case propose = 1
    case prevote = 2
    case precommit = 3
    case commit = 4
}

/// A node's announcement of where it is: height, round and step, and which prevotes and
/// precommits of that (height, round) it already has. Peers use it to send only what is missing.
///
/// `polRound` names an earlier round of the height whose prevotes the node lacks: its current
/// round's proposal cites it as its POL round and the node cannot confirm that polka
/// (`Consensus.polRoundLacking`); `polPrevotes` are the prevotes of that round it has. Peers
/// send it the rest, as CometBFT's peer state carries `ProposalPOLRound` and `ProposalPOL`.
public struct PeerState: Hashable, Sendable, CanonicalCodable {
    public var height: Height
    public var round: Round
    public var step: RoundStep
    public var prevotes: VoteBitmap
    public var precommits: VoteBitmap
    public var polRound: Round?
    public var polPrevotes: VoteBitmap

    public init(height: Height, round: Round, step: RoundStep,
                prevotes: VoteBitmap = .empty, precommits: VoteBitmap = .empty,
                polRound: Round? = nil, polPrevotes: VoteBitmap = .empty) {
        self.height = height
        self.round = round
        self.step = step
        self.prevotes = prevotes
        self.precommits = precommits
        self.polRound = polRound
        self.polPrevotes = polRound == nil ? .empty : polPrevotes
    }

    public func votes(_ type: VoteType) -> VoteBitmap { type == .prevote ? prevotes : precommits }

    public func encode(to writer: inout ByteWriter) {
        writer.write(height)
        writer.write(round)
        writer.write(step.rawValue)
        writer.write(prevotes)
        writer.write(precommits)
        writer.write(polRound != nil)
        if let polRound {
            writer.write(polRound)
            writer.write(polPrevotes)
        }
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        height = try reader.readUInt64("peer_state.height")
        round = try reader.readUInt32("peer_state.round")
        let stepOffset = reader.offset
        let rawStep = try reader.readUInt8("peer_state.step")
        guard let step = RoundStep(rawValue: rawStep) else {
            throw reader.failure(.unknownTag(UInt64(rawStep)), "peer_state.step", at: stepOffset)
        }
        self.step = step
        prevotes = try VoteBitmap(from: &reader)
        precommits = try VoteBitmap(from: &reader)
        if try reader.readBool("peer_state.has_pol_round") {
            polRound = try reader.readUInt32("peer_state.pol_round")
            polPrevotes = try VoteBitmap(from: &reader)
        } else {
            polRound = nil
            polPrevotes = .empty
        }
    }
}
