import Foundation
import Logging
import RatifyCore
import RatifyLedger
import RatifyNet
import RatifyPoW

/// Checkpoint finality on a hybrid chain (docs/POW.md, "Running a hybrid chain"): the driver's
/// fork choice keeps the latest justified checkpoint, its validator votes at each epoch
/// boundary, and received votes are verified, counted, relayed, and turned into evidence.
extension PoWDriver {
    /// A justified or finalized checkpoint as `/status` shows it.
    public struct CheckpointInfo: Sendable, Equatable {
        public var epoch: UInt64
        public var height: UInt64
        public var hash: PoWHash
    }

    /// The latest justified and finalized checkpoints; nil on a `pow` chain.
    public var checkpoints: (justified: CheckpointInfo, finalized: CheckpointInfo)? {
        guard let finality else { return nil }
        func info(_ checkpoint: Checkpoint) -> CheckpointInfo {
            CheckpointInfo(epoch: checkpoint.epoch, height: finality.height(of: checkpoint), hash: PoWHash(checkpoint.blockHash))
        }
        return (info(finality.tracker.latestJustified), info(finality.tracker.latestFinalized))
    }

    /// The tip to follow: the most work; on a hybrid chain the most work among branches that
    /// contain the latest justified checkpoint (or, while its block is unknown here, the
    /// latest finalized one, which the tracker only holds once its block is in the tree).
    func forkChoiceTip() -> BlockTree.Node {
        guard let finality else { return tree.bestTip() }
        let justified = PoWHash(finality.tracker.latestJustified.blockHash)
        let finalized = PoWHash(finality.tracker.latestFinalized.blockHash)
        return tree.bestTip(containing: tree.contains(justified) ? justified : finalized)
    }

    /// Whether moving to a plan's branch would revert the latest finalized checkpoint.
    /// Only a finalized block on the chain this node is on can be reverted: a node that learns
    /// of a checkpoint finalized on another branch (a minority healed from a partition) must
    /// move to that branch, however far back the fork is.
    func revertsFinalized(_ plan: BlockTree.ReorgPlan) -> Bool {
        guard let finality else { return false }
        let finalized = finality.tracker.latestFinalized
        guard tree.isAncestor(PoWHash(finalized.blockHash), of: tip.hash) else { return false }
        return plan.forkPoint.height < finality.height(of: finalized)
    }

    /// The final height: k confirmations on a `pow` chain; on a hybrid chain the latest
    /// finalized checkpoint's height.
    func currentFinalHeight() -> UInt64 {
        guard let finality else { return Self.finalHeight(tip: tip.height, confirmations: settings.confirmations) }
        return min(finality.height(of: finality.tracker.latestFinalized), tip.height)
    }

    /// After the tip moved: the new epoch's validator set, the votes that waited for blocks,
    /// and this node's vote. True when the latest justified checkpoint moved (the fork choice
    /// must run again).
    func checkpointsAfterTipChange() -> Bool {
        guard var finality else { return false }
        let justifiedBefore = finality.tracker.latestJustified
        let tipEpoch = tip.height / finality.epochLengthBlocks
        if tipEpoch > finality.validatorSetEpoch {
            finality.validatorSetEpoch = tipEpoch
            if let set = try? ValidatorSet(validators: ledger.activeValidators()) {
                finality.tracker.setValidators(set, fromEpoch: tipEpoch)
            }
        }
        let waiting = finality.takeAwaiting()
        self.finality = finality
        for verified in waiting { count(verified, relay: false) }
        castVote()
        return self.finality?.tracker.latestJustified != justifiedBefore
    }

    /// Signs this node's vote for the epoch the chosen branch has reached, if its validator is
    /// in that epoch's set and the voter's guard allows it. The signing record is stored
    /// durably before the signature is returned; a remote signer is asked inside that
    /// transaction, after this node's guard agreed, and keeps its own guard. Without a
    /// signature the voter's record stays where it was, so the next tip change asks again.
    private func castVote() {
        guard var finality, tip.height >= finality.voteDepthBlocks,
              let node = tree.ancestor(of: tip.hash, atHeight: tip.height - finality.voteDepthBlocks) else { return }
        let address = finality.signer.publicKey.address
        let tipEpoch = node.height / finality.epochLengthBlocks
        guard finality.tracker.validators(forEpoch: tipEpoch).validator(at: address) != nil else { return }
        let votingTip = ForkChoiceTip(blockHash: node.hash.asHash, height: node.height, work: node.chainWork)
        guard case .success(let unsigned) = finality.voter.nextVote(tip: votingTip, latestJustified: finality.tracker.latestJustified,
                                                                       ancestry: tree) else { return }
        // Tests only: after this honest vote J → t (J ≥ 1), a vote genesis → t+1 surrounds it.
        let surround = finality.castsSurroundVote && !finality.surroundVoteCast && unsigned.source.epoch >= 1
        if surround { finality.surroundVoteCast = true }
        var vote = unsigned
        do {
            let signer = finality.signer, chainID = finality.chainID
            vote.signature = try store.checkpointSigner.authorize(unsigned, signBytes: unsigned.signBytes(chainID: chainID)) {
                try signer.sign(.checkpointVote(chainID: chainID, vote: unsigned), signBytes: $0)
            }
        } catch RemoteSignerError.unavailable {
            // The client logs an unreachable signer itself, at most once per interval.
            return
        } catch let error as RemoteSignerError {
            logger.error("checkpoint vote not signed", metadata: checkpointMetadata(unsigned.target, finality: finality, extra: [
                "source_epoch": "\(unsigned.source.epoch)", "reason": "\(error)",
            ]))
            return
        } catch let refusal as CheckpointVoteRefusal {
            logger.error("checkpoint vote refused by this node's stored guard", metadata: checkpointMetadata(unsigned.target, finality: finality, extra: [
                "source_epoch": "\(unsigned.source.epoch)", "reason": "\(refusal)",
            ]))
            return
        } catch {
            stop(because: "cannot store the checkpoint signer state: \(error)")
            return
        }
        self.finality = finality
        var votes = [vote]
        if surround {
            let genesis = Checkpoint(epoch: 0, blockHash: tree.genesis.hash.asHash)
            let outer = Checkpoint(epoch: unsigned.target.epoch + 1, blockHash: unsigned.target.blockHash)
            logger.critical("RATIFY_TEST_FFG_SURROUND_VOTE=1: casting a surround vote, to be slashed; tests only", metadata: [
                "source": "\(genesis)", "target": "\(outer)", "surrounds": "\(unsigned.source)->\(unsigned.target)",
            ])
            // Past this node's guard on purpose; a remote signer's guard refuses it.
            var surrounding = CheckpointVote(validatorAddress: address, source: genesis, target: outer)
            do {
                surrounding.signature = try finality.signer.sign(.checkpointVote(chainID: finality.chainID, vote: surrounding),
                                                                 signBytes: surrounding.signBytes(chainID: finality.chainID))
                votes.append(surrounding)
            } catch {
                logger.error("surround vote not signed", metadata: ["reason": "\(error)"])
            }
        }
        for vote in votes {
            logger.info("checkpoint vote signed", metadata: checkpointMetadata(vote.target, finality: finality, extra: [
                "source_epoch": "\(vote.source.epoch)",
            ]))
            peers.broadcast(.checkpointVote(vote))
            if let verified = finality.verify(vote).verified { count(verified, relay: false) }
        }
    }

    /// A vote from a peer: verified against the validator set, counted, relayed when valid.
    func receive(_ vote: CheckpointVote, from peer: NodeID) {
        guard let finality else { return }
        let (verified, knownValidator) = finality.verify(vote)
        guard let verified else {
            // A validator of a set this node has not reached yet is no misbehaviour; a bad
            // signature from a known one is.
            if knownValidator { peers.disconnect(peer, reason: "checkpoint vote with an invalid signature", misbehaving: true) }
            return
        }
        let justifiedBefore = finality.tracker.latestJustified
        count(verified, relay: true)
        if self.finality?.tracker.latestJustified != justifiedBefore { updateTip() }
    }

    /// Adds a vote to the tracker and acts on the outcome: logs, final-height waiters,
    /// held votes, evidence.
    private func count(_ verified: VerifiedCheckpointVote, relay: Bool) {
        guard var finality else { return }
        let vote = verified.vote
        let outcome = finality.tracker.add(verified, ancestry: tree)
        switch outcome.status {
        case .counted:
            if relay { peers.broadcast(.checkpointVote(vote)) }
            do {
                try store.checkpointVotes.put(vote)
            } catch {
                logger.warning("cannot store a checkpoint vote; a restart will not count it", metadata: ["reason": "\(error)"])
            }
        case .awaitingBlocks:
            finality.hold(verified)
            if relay { peers.broadcast(.checkpointVote(vote)) }
        case .conflicting(let evidence):
            if relay { peers.broadcast(.checkpointVote(vote)) }
            if finality.accused.insert(vote.validatorAddress).inserted {
                metrics?.evidenceSeen(NodeMetrics.EvidenceKind(evidence.kind))
                submit(evidence)
            }
        case .duplicate:
            break
        case .rejected(let reason):
            logger.debug("checkpoint vote refused", metadata: ["validator": "\(vote.validatorAddress.hex)", "reason": "\(reason)"])
        }
        self.finality = finality
        if outcome.linkReachedSupermajority {
            logger.info("checkpoint votes reached 2/3", metadata: checkpointMetadata(vote.target, finality: finality, extra: [
                "source_epoch": "\(vote.source.epoch)",
            ]))
        }
        for checkpoint in outcome.justified {
            logger.info("checkpoint justified", metadata: checkpointMetadata(checkpoint, finality: finality))
        }
        for checkpoint in outcome.finalized {
            logger.info("checkpoint finalized", metadata: checkpointMetadata(checkpoint, finality: finality))
        }
        if !outcome.finalized.isEmpty {
            reportFinal()
            let finalizedEpoch = finality.tracker.latestFinalized.epoch
            if finalizedEpoch > finality.votesKeptBelowFinalizedEpochs {
                do {
                    try store.checkpointVotes.prune(targetEpochBelow: finalizedEpoch - finality.votesKeptBelowFinalizedEpochs)
                } catch {
                    logger.warning("cannot prune stored checkpoint votes", metadata: ["reason": "\(error)"])
                }
            }
        }
    }

    /// A checkpoint step's log fields: the checkpoint, and `since_block_ms`, how long after
    /// this node first held the checkpoint's block the step came (docs/POW.md, "Finality, step by step").
    private func checkpointMetadata(_ checkpoint: Checkpoint, finality: CheckpointFinality,
                                    extra: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "epoch": "\(checkpoint.epoch)", "height": "\(finality.height(of: checkpoint))",
            "hash": "\(PoWHash(checkpoint.blockHash))",
        ]
        if let since = finality.millisSinceBlock(of: checkpoint, nowMillis: nowMillis()) { metadata["since_block_ms"] = "\(since)" }
        return metadata.merging(extra) { _, new in new }
    }

    /// Counts the stored votes again (start-up): the tracker comes back to where it was.
    func replayStoredVotes() {
        guard finality != nil else { return }
        let votes: [CheckpointVote]
        do {
            votes = try store.checkpointVotes.all()
        } catch {
            logger.warning("cannot read the stored checkpoint votes; finality starts from the genesis", metadata: ["reason": "\(error)"])
            return
        }
        for vote in votes {
            if let verified = finality?.verify(vote).verified { count(verified, relay: false) }
        }
        if let checkpoints {
            logger.info("checkpoint votes counted again", metadata: [
                "votes": "\(votes.count)", "justified_epoch": "\(checkpoints.justified.epoch)",
                "finalized_epoch": "\(checkpoints.finalized.epoch)",
            ])
        }
    }

    /// Sends peers the stored votes (newest first, bounded), so a peer that missed some — it
    /// restarted, or was cut off — counts them; peers that have them drop them as duplicates.
    func announceStoredVotes() {
        guard let finality, let votes = try? store.checkpointVotes.all() else { return }
        for vote in votes.suffix(finality.votesAnnouncedMax).reversed() { peers.broadcast(.checkpointVote(vote)) }
    }

    /// Puts FFG slashing evidence into the mempool as an `ffg-evidence` transaction from this
    /// node's validator account, for a miner to include and the ledger to slash.
    private func submit(_ evidence: FFGSlashingEvidence) {
        guard let finality else { return }
        guard case .local(let key) = finality.signer else {
            // A remote signer signs votes and proposals only, never transactions.
            logger.warning("checkpoint slashing evidence not submitted: this node's validator key is in a remote signer, which signs no transactions; a node with a key file submits it", metadata: [
                "validator": "\(evidence.voteA.validatorAddress.hex)", "vote_a": "\(evidence.voteA.source)->\(evidence.voteA.target)",
                "vote_b": "\(evidence.voteB.source)->\(evidence.voteB.target)",
            ])
            return
        }
        let nonce = ledger.state.account(key.publicKey.address).nonce + UInt64(mempool.pendingCount(from: key.publicKey.address))
        let transaction = Transaction.signed(chainID: finality.chainID, sender: key, nonce: nonce, fee: ledger.parameters.feeMin,
                                             payload: .ffgEvidence(evidence))
        logger.warning("checkpoint slashing evidence", metadata: [
            "validator": "\(evidence.voteA.validatorAddress.hex)", "vote_a": "\(evidence.voteA.source)->\(evidence.voteA.target)",
            "vote_b": "\(evidence.voteB.source)->\(evidence.voteB.target)", "tx": "\(transaction.hash)",
        ])
        do throws(MempoolError) {
            _ = try mempool.add(transaction)
            peers.broadcast(.transaction(TransactionGossip(transaction)))
        } catch {
            logger.warning("slashing evidence refused by the mempool", metadata: ["reason": "\(error)"])
        }
    }
}
