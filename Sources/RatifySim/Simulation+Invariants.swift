import RatifyConsensus
import RatifyCore

/// The invariants, checked as the run goes: agreement, validity, no honest double sign, no
/// false accusation, and liveness after GST.
extension Simulation {
    /// No honest core asks to sign two different votes for one height, round and type, before
    /// or after any number of crashes (the records survive restarts; they are the checker's,
    /// not the node's).
    mutating func checkOwnVote(_ vote: Vote, at node: Int) {
        resetRecordsIfNewHeight(vote.height, at: node)
        if let earlier = nodes[node].signedVotes.first(where: { $0.round == vote.round && $0.type == vote.type }) {
            if earlier.value != vote.blockID {
                fail(.doubleSign, height: vote.height, node: node,
                     "\(vote.type) at round \(vote.round) for \(describe(vote.blockID)) after one for \(describe(earlier.value))")
            }
            return
        }
        nodes[node].signedVotes.append(SignedRecord(round: vote.round, type: vote.type, value: vote.blockID))
    }

    /// The records cover one height: heights only grow for a node, across restarts too.
    private mutating func resetRecordsIfNewHeight(_ height: Height, at node: Int) {
        guard nodes[node].checkedHeight != height else { return }
        if height < nodes[node].checkedHeight {
            fail(.doubleSign, height: height, node: node, "signs at height \(height) after signing at \(nodes[node].checkedHeight)")
        }
        nodes[node].checkedHeight = height
        nodes[node].signedVotes = []
        nodes[node].signedProposals = []
    }

    mutating func checkOwnProposal(_ proposal: Proposal, at node: Int) {
        resetRecordsIfNewHeight(proposal.height, at: node)
        if let earlier = nodes[node].signedProposals.first(where: { $0.round == proposal.round }) {
            if earlier.value != proposal.blockID {
                fail(.doubleSign, height: proposal.height, node: node,
                     "second proposal at round \(proposal.round): \(proposal.blockID) after \(describe(earlier.value))")
            }
            return
        }
        nodes[node].signedProposals.append(SignedRecord(round: proposal.round, type: nil, value: proposal.blockID))
    }

    /// Every signed proposal, for the validity check.
    mutating func recordProposal(_ proposal: Proposal) {
        let index = Int(proposal.height) - 1
        while proposals.count <= index { proposals.append([]) }
        proposals[index].append((proposal.round, proposal.blockID, proposal.proposerAddress))
    }

    /// Agreement with every earlier honest decision at the height; validity for the first.
    mutating func checkDecision(_ block: Block, _ commit: Commit, at node: Int) {
        let height = block.height
        let index = Int(height) - 1
        if index < decided.count {
            if decided[index] != block.id {
                fail(.agreement, height: height, node: node,
                     "decided \(block.id) (round \(commit.round)) but another honest validator decided \(decided[index])")
            }
            return
        }
        guard index == decided.count else {
            fail(.validity, height: height, node: node, "decided height \(height) before any honest validator decided \(height - 1)")
            return
        }
        if let problem = validityProblem(block, commit) {
            fail(.validity, height: height, node: node, problem)
            return
        }
        decided.append(block.id)
        decidedRounds.append(commit.round)
    }

    /// Why a decided block is not valid, or nil: it must be well formed, extend the decided
    /// chain, name the ledger's validator sets, carry a 2/3+ commit for itself, and have been
    /// proposed in the commit's round by that round's proposer.
    mutating func validityProblem(_ block: Block, _ commit: Commit) -> String? {
        let height = block.height
        do { try block.validateBody() } catch { return "malformed block: \(error)" }
        guard block.header.chainID == Simulation.chainID else { return "block for chain \(block.header.chainID)" }
        let expectedLast = height == 1 ? BlockID.zero : decided[Int(height) - 2]
        guard block.header.lastBlockID == expectedLast else { return "block does not extend the decided block \(expectedLast)" }
        guard block.header.validatorsHash == ledger.hash(height),
              block.header.nextValidatorsHash == ledger.hash(height + 1) else { return "block names the wrong validator sets" }
        if height > 1 {
            guard let lastCommit = block.lastCommit, lastCommit.blockID == expectedLast,
                  commitHasQuorum(lastCommit, set: ledger.set(height - 1)) else { return "block's last commit is not 2/3+ for \(expectedLast)" }
        }
        guard commit.height == height, commit.blockID == block.id, commitHasQuorum(commit, set: ledger.set(height)) else {
            return "commit is not 2/3+ precommits for the block"
        }
        let proposer = ledger.proposer(height: height, round: commit.round)
        let index = Int(height) - 1
        let proposed = index < proposals.count && proposals[index].contains {
            $0.round == commit.round && $0.blockID == block.id && $0.proposer == proposer
        }
        guard proposed else { return "block \(block.id) was not proposed in round \(commit.round) by its proposer \(proposer)" }
        return nil
    }

    /// Evidence may only ever name a byzantine validator.
    mutating func checkAccusation(_ evidence: DuplicateVoteEvidence, at node: Int) {
        let accused = evidence.validatorAddress
        guard let identity = addresses.firstIndex(of: accused) else {
            fail(.falseAccusation, height: evidence.height, node: node, "evidence names unknown validator \(accused)")
            return
        }
        if behaviors[identity] == nil {
            fail(.falseAccusation, height: evidence.height, node: node, "evidence accuses honest validator \(identity)")
        }
    }

    /// After GST every running honest validator decides within the bound.
    mutating func checkLiveness() {
        guard stabilized else { return }
        for index in nodes.indices where nodes[index].isHonest && !nodes[index].crashed {
            let node = nodes[index]
            guard node.store.count < config.heights else { continue }
            if now > node.lastProgressMillis && now - node.lastProgressMillis > livenessBoundMillis {
                fail(.liveness, height: node.decidedHeight + 1, node: index,
                     "no decision for \(now - node.lastProgressMillis)ms after GST (bound \(livenessBoundMillis)ms); stuck at round \(node.core.round) step \(node.core.step)")
                return
            }
        }
    }
}
