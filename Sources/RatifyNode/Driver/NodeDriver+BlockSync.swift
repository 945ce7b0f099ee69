import Foundation
import RatifyConsensus
import RatifyCore
import RatifyLedger

/// Block sync's effects: applying the runs `BlockSync` hands out (each commit checked against
/// its height's validator set, each block validated and executed), storing them off the actor,
/// restarting the core past them, and asking the serving peer for the heights ahead.
extension NodeDriver {
    /// `/status`'s `catching_up`: peers have finalized heights this node has not.
    var catchingUp: Bool { blockSync.isCatchingUp(latestHeight: chain.lastBlockHeight) }

    /// Block sync runs in a task of its own, not inside `receive`: the node's inbound loop waits
    /// for each `receive`, and must keep delivering blocks and commits while a sync store
    /// transaction is in flight, so they can be stored together by the next one.
    func catchUpLater() {
        Task { await self.catchUpIfPossible() }
    }

    /// Applies held blocks that a held commit proves final, for as many heights as it can,
    /// without voting; the core restarts at the next height.
    func catchUpIfPossible() async {
        while stopReason == nil, !blockSync.storeInFlight {
            // Taken out of the holding maps first, so a call that starts while this one is
            // suspended does not apply them again.
            let run = blockSync.takeRun(from: chain.nextHeight, blocks: &receivedBlocks)
            guard !run.isEmpty else { return }
            // A run that fails part-way has dropped what failed: another peer's commit and block
            // for that height may still be here. Each pass takes entries out, so this ends.
            await catchUp(run)
        }
    }

    /// Checks each block of the run against the state the previous one leaves (its commit
    /// against its height's validator set, then the block itself), executes it on a copy of
    /// the ledger, and stores all that pass in one transaction: one device sync for the run
    /// instead of one per block. From the first block that fails, the rest are dropped (they
    /// are requested again).
    /// A commit that does not verify was sent by `peer`, which could have checked it (an honest
    /// peer serves only commits it stored): it is disconnected.
    private func catchUp(_ heights: [BlockSync.Ready]) async {
        let startHeight = chain.nextHeight
        var state = chain, runLedger = ledger
        var decisions: [ExecutedDecision] = []
        checks: for ready in heights {
            let block = ready.block, commit = ready.commit
            guard block.height == state.nextHeight, commit.height == block.height, commit.blockID == block.id else { break }
            do {
                try commit.verify(chainID: settings.chainID, validators: state.validators)
            } catch {
                logger.warning("catch-up commit rejected", metadata: ["height": "\(block.height)", "reason": "\(error)"])
                peers.disconnect(ready.peer, reason: "catch-up commit that does not verify", misbehaving: true)
                break checks
            }
            let verified: Set<Hash>
            switch await validate(block, after: state, ledger: runLedger) {
            case .success(let hashes):
                verified = hashes
            case .failure(let problem):
                logger.warning("catch-up block rejected", metadata: ["height": "\(block.height)", "reason": "\(problem)"])
                break checks
            }
            guard let decision = execute(block, commit, after: state, ledger: &runLedger, verified: verified) else { return }
            state = decision.executed.nextState
            decisions.append(decision)
        }
        // The rest left the holding maps unapplied; the network drops a repeat of what it has
        // delivered, so it forgets them and the copies block sync asks for get through.
        for ready in heights.dropFirst(decisions.count) {
            peers.forget(.block(ready.block))
            peers.forget(.commit(ready.commit))
        }
        blockQuota.keep { receivedBlocks[$0] != nil }
        blockSync.forgetTaken()
        // The core may have decided the first height itself while validation was suspended.
        let decidedMillis = nowMillis()
        guard !decisions.isEmpty, chain.nextHeight == startHeight, stopReason == nil,
              await storeSynced(decisions) != nil else { return }
        ledger = runLedger
        publish(advance(past: decisions, decidedMillis: decidedMillis, steps: nil))
        let previous = consensus
        consensus = Consensus(parameters: settings.consensus, me: validatorSigner?.publicKey.address, height: chain.nextHeight,
                              validators: chain.validators, nextValidators: chain.nextValidators)
        consensus.inheritBufferedVotes(from: previous)
        run([.start])
        handOverPending()
        announce()
        requestAhead()
    }

    /// `store(_:)` for block sync: the transaction runs on another thread, so the blocks and
    /// commits that arrive during its device sync are taken in and stored together by the next
    /// one (group commit), and the actor stays responsive. `BlockSync.storeInFlight` keeps the
    /// core and other catch-ups from storing meanwhile.
    private func storeSynced(_ decisions: [ExecutedDecision]) async -> Double? {
        // The heights before these, decided by the core, are stored first.
        guard storeDecisions(), let commit = storeCommit(for: decisions, sync: .durable) else { return nil }
        blockSync.storeInFlight = true
        defer { blockSync.storeInFlight = false }
        let started = nowMillis()
        let result = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: Result { try commit.run() }) }
        }
        return finishStore(commit, result: result, started: started)
    }

    /// Having caught up one height, this node is behind: keeps the next heights requested from
    /// the peer that served it (`BlockSync.requests`).
    private func requestAhead() {
        guard let (peer, heights) = blockSync.requests(nextHeight: chain.nextHeight) else { return }
        for height in heights { peers.send(.blockRequest(height: height), to: peer) }
    }
}
