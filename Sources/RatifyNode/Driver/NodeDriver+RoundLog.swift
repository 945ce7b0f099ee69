import Logging
import RatifyConsensus
import RatifyCore

/// Why a height is slow, in the log at info: a line for each round change and each propose,
/// prevote or precommit timeout, naming what the round still lacks. A stuck chain's rounds grow
/// longer (`base + delta * round`) and each logs at most one line per kind, so it cannot flood.
extension NodeDriver {
    /// Validators as the first 8 hex digits of their address, comma-separated; `none` when empty.
    static func shortAddresses(_ addresses: [Address]) -> String {
        addresses.isEmpty ? "none" : addresses.map { String($0.hex.prefix(8)) }.joined(separator: ",")
    }

    /// A propose timeout names the round's proposer; a prevote or precommit timeout the
    /// validators whose vote of that type is not counted.
    func logTimeout(_ event: TimeoutEvent) {
        // Votes and proposers are the core's for its own height only.
        guard event.height == consensus.height else { return }
        if let logged = timeoutsLogged[event.kind], (logged.height, logged.round) >= (event.height, event.round) { return }
        timeoutsLogged[event.kind] = (event.height, event.round)
        var metadata: Logger.Metadata = ["height": "\(event.height)", "round": "\(event.round)", "step": "\(event.kind)"]
        switch event.kind {
        case .propose:
            metadata["proposer"] = "\(Self.shortAddresses(consensus.proposer(round: event.round).map { [$0] } ?? []))"
        case .prevote:
            metadata["missing_prevotes"] = "\(Self.shortAddresses(consensus.missingVoters(round: event.round, type: .prevote)))"
        case .precommit:
            metadata["missing_precommits"] = "\(Self.shortAddresses(consensus.missingVoters(round: event.round, type: .precommit)))"
        case .commit, .resend:
            return
        }
        logger.info("timeout", metadata: metadata)
        warnIfPeersCannotServe(height: event.height)
    }

    /// Peers announce heights well past ours, yet none has sent a commit for ours: they have
    /// most likely pruned it (`[storage] retain_blocks`), and block sync cannot start. Said once
    /// per timed-out round, which grows longer, so it cannot flood.
    func warnIfPeersCannotServe(height: Height) {
        let peerHeight = gossip.peerHeightMax
        guard peerHeight > height, peerHeight - height >= 2, blockSync.peerCommitHeightMax < height else { return }
        logger.warning("peers are ahead but none sends the blocks this node needs", metadata: [
            "height": "\(height)", "peer_height": "\(peerHeight)",
            "hint": "the peers may have pruned them ([storage] retain_blocks); a node this far behind can join by state sync (docs/STATESYNC.md)",
        ])
    }

    /// The height moved past `previous` without deciding: which precommits that round lacked.
    func logRoundChange(from previous: Round) {
        logger.info("round change", metadata: [
            "height": "\(consensus.height)", "round": "\(consensus.round)", "previous_round": "\(previous)",
            "step": "\(consensus.step)",
            "missing_precommits": "\(Self.shortAddresses(consensus.missingVoters(round: previous, type: .precommit)))",
        ])
    }
}
