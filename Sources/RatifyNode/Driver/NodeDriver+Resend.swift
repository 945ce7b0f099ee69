import RatifyConsensus
import RatifyCore
import RatifyGossip
import RatifyNet
import RatifyStore

/// Re-sending this validator's own votes, so that after GST every honest validator's votes
/// reach every honest validator even when gossip lost them: a vote sent once and lost to a
/// crash (ours or the peer's), a block sync that rebuilt a peer's core, or a session that
/// dropped it. Gossip's catch-up only repairs what a peer's announcement says it lacks; these
/// two paths cover what it cannot see.
extension NodeDriver {
    /// `ConsensusEffect.resendVotes`: the round made no progress for a resend interval. The
    /// votes (this validator's own, and the polka of its valid value when that is from an
    /// earlier round) go to every peer as they are (`PeerManager.broadcast`), past the gossip's
    /// per-peer "already has it" filter (which is only this node's belief), and peers are told
    /// again where this node is, so that their catch-up sends what it lacks. A peer that already took a vote drops the copy by its digest.
    func resend(_ votes: [Vote]) {
        for vote in votes { peers.broadcast(.vote(vote)) }
        gossip.reannounce()
        logger.debug("re-sent votes", metadata: ["height": "\(consensus.height)", "round": "\(consensus.round)",
                                                    "votes": "\(votes.count)"])
    }

    /// After a restart's WAL replay: sends the votes this validator signed at the current
    /// height again (they may never have left before the crash), through gossip, which keeps
    /// them for peers that miss them. The signer state holds the last signed vote itself: if
    /// the WAL lost it (cut short, restored from a copy), it is logged and handed to the core
    /// first, which adopts it, so the core never asks for a different vote there and the
    /// validator re-sends the vote it signed instead of staying silent.
    func resendSignedVotes(walRecords: [[UInt8]]) {
        guard let validatorSigner else { return }
        var votes = consensus.latestOwnVotes()
        do {
            if let signed = try store.signer.lastSigned()?.vote, signed.height == chain.nextHeight,
               signed.validatorAddress == validatorSigner.publicKey.address, let verified = verify(signed) {
                let record = WALRecord.vote(signed)
                if !walRecords.contains(record.canonicalBytes) {
                    logger.warning("the WAL lacks the last signed vote; replaying it from the signer state",
                                   metadata: ["height": "\(signed.height)", "round": "\(signed.round)", "type": "\(signed.type)"])
                    deliver(.vote(verified), record: record)
                }
                if !votes.contains(signed) { votes.append(signed) }
            }
        } catch {
            logger.error("cannot read the signer state", metadata: ["reason": "\(error)"])
        }
        for vote in votes { gossip.broadcast(.vote(vote)) }
    }
}
