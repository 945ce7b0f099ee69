import RatifyConsensus
import RatifyCore

/// The node's gossip layer, as the simulator models it (docs/NETWORK.md, "Gossip"): a vote store
/// per node, and a periodic tick that sends each peer at the node's height the votes of the
/// peer's round (and of the node's own round) that the peer's vote store lacks, and the node's
/// own proposal of the peer's round. Lost messages are not re-delivered by the network; this
/// tick, block sync, POL-round requests and stalled-round re-sends are all that repairs them.
extension Simulation {
    /// The node's `votesPerPeerPerTick`.
    static let votesPerPeerPerTick = 256
    /// A peer re-announces what it holds about once a second; a send lost before then is
    /// repaired after it.
    static let announceIntervalMillis: UInt64 = 1_000

    /// Whether `node`'s shell runs the node's gossip (byzantine shells that do not broadcast
    /// their votes do not help others either).
    func gossips(_ node: Int) -> Bool {
        switch nodes[node].behavior {
        case nil, .twin?, .equivocatingProposer?: true
        case .withholder?, .partialSender?, .doubleVoter?: false
        }
    }

    /// The gossip layer keeps a verified vote within one height of the node's (`VoteStore.add`).
    mutating func storeVote(_ id: Int, _ vote: Vote, at node: Int) {
        let height = nodes[node].core.height
        guard vote.height >= height ? vote.height - height <= 1 : height - vote.height <= 1 else { return }
        let key = SimVoteKey(height: vote.height, round: vote.round, prevote: vote.type == .prevote)
        _ = nodes[node].voteStore[key, default: SimVoteSet()].add(id, index: Int(vote.validatorIndex))
    }

    /// Every vote a node sends, and its own proposal, counts as known to the peer until the
    /// peer's next announcement (about a second), as the node's per-peer bitmap counts "votes
    /// sent to it": the gossip tick does not send again what is still in flight.
    mutating func noteSent(_ id: Int, from node: Int, to peer: Int) {
        switch messages[id].content {
        case .vote(let vote):
            let key = SimVoteKey(height: vote.height, round: vote.round, prevote: vote.type == .prevote)
            nodes[node].gossipSent[key, default: SimSentMarks()].mark(peer: peer, slot: Int(vote.validatorIndex) + 1,
                                                                      peerCount: nodes.count, at: now)
        case .proposal(let proposal, _) where nodes[node].ownProposal == id:
            let key = SimVoteKey(height: proposal.height, round: proposal.round, prevote: false)
            nodes[node].gossipSent[key, default: SimSentMarks()].mark(peer: peer, slot: 0, peerCount: nodes.count, at: now)
        default:
            break
        }
    }

    /// Whether `node`'s vote store holds this very vote (a copy gossip or a duplicating link
    /// delivered again). A different vote of the same validator and slot is not a copy: it goes
    /// on to the core, which records the equivocation.
    func holdsVote(_ vote: Vote, at node: Int) -> Bool {
        let key = SimVoteKey(height: vote.height, round: vote.round, prevote: vote.type == .prevote)
        guard let held = nodes[node].voteStore[key], held.holds(Int(vote.validatorIndex)),
              case .vote(let heldVote) = messages[Int(held.ids[Int(vote.validatorIndex)])].content else { return false }
        return heldVote == vote
    }

    /// A new height: the vote store and the sent marks forget heights below the previous one,
    /// and the node's own proposal of an older height is dropped (`updateLocalState`).
    mutating func pruneGossip(_ node: Int) {
        let height = nodes[node].core.height
        let keepFrom = height > 1 ? height - 1 : 0
        nodes[node].voteStore = nodes[node].voteStore.filter { $0.key.height >= keepFrom }
        nodes[node].gossipSent = nodes[node].gossipSent.filter { $0.key.height >= keepFrom }
        if let id = nodes[node].ownProposal, messages[id].height < height { nodes[node].ownProposal = nil }
    }

    /// Notes that `node` received a proposal for its current height.
    mutating func noteProposalReceived(_ proposal: Proposal, at node: Int) {
        guard proposal.height == nodes[node].core.height else { return }
        if nodes[node].proposalRoundsHeight != proposal.height {
            nodes[node].proposalRounds = []
            nodes[node].proposalRoundsHeight = proposal.height
        }
        if !nodes[node].proposalRounds.contains(proposal.round) { nodes[node].proposalRounds.append(proposal.round) }
    }

    /// One gossip tick of `node` (`ConsensusGossip.tick`): for each connected peer at its
    /// height, the votes of the peer's round and of the node's round that the peer's vote store
    /// lacks (up to 256), then its own proposal if it is of the peer's round and the peer has
    /// none for it. The peer's (height, round) and holdings are read from the peer directly:
    /// the node learns them from announcements sent on every change and about once a second.
    /// A peer at a lower height is served by block sync (`syncTick`); the prevotes of a POL
    /// round the peer lacks, by `answerPrevotesWanted`.
    mutating func gossipTick(_ node: Int) {
        guard !nodes[node].crashed, gossips(node) else { return }
        let height = nodes[node].core.height
        let round = nodes[node].core.round
        let peerCount = nodes.count
        for peer in nodes.indices where peer != node && !nodes[peer].crashed && nodes[peer].core.height == height {
            // A partition breaks the TCP session: nothing is queued for a peer not connected.
            if let sides = network.partitionSides, sides[peer] != sides[node] { continue }
            let peerRound = nodes[peer].core.round
            var budget = Self.votesPerPeerPerTick
            for setRound in (round == peerRound ? [peerRound] : [peerRound, round]) {
                for prevote in [true, false] {
                    let key = SimVoteKey(height: height, round: setRound, prevote: prevote)
                    guard let mine = nodes[node].voteStore[key] else { continue }
                    let theirs = nodes[peer].voteStore[key]
                    let sent = nodes[node].gossipSent[key]
                    for word in mine.mask.indices {
                        let theirsWord = theirs.flatMap { word < $0.mask.count ? $0.mask[word] : nil } ?? 0
                        var missing = mine.mask[word] & ~theirsWord
                        while missing != 0 && budget > 0 {
                            let bit = missing.trailingZeroBitCount
                            missing &= missing - 1
                            let index = word * 64 + bit
                            if let sent, sent.isRecent(peer: peer, slot: index + 1, peerCount: peerCount, now: now) { continue }
                            budget -= 1
                            send(Int(mine.ids[index]), from: node, to: peer)
                        }
                    }
                }
            }
            if let id = nodes[node].ownProposal, messages[id].height == height, messages[id].round == peerRound {
                let lacks = nodes[peer].proposalRoundsHeight != height || !nodes[peer].proposalRounds.contains(peerRound)
                let key = SimVoteKey(height: height, round: peerRound, prevote: false)
                let recent = nodes[node].gossipSent[key]?.isRecent(peer: peer, slot: 0, peerCount: peerCount, now: now) ?? false
                if lacks && !recent { send(id, from: node, to: peer) }
            }
        }
    }
}
