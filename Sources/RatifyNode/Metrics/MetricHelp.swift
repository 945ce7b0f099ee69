import RatifyNet

/// The `# HELP` text of every metric a node makes through swift-metrics, by name: one place, so
/// a name always carries the same text (docs/NODE.md documents each, with what to alert on).
/// The process metrics carry theirs where they are made (`ProcessMetrics`).
enum MetricHelp {
    /// `ratify_p2p_peers`, which the node also records, carries the network's text.
    static let all: [String: String] = node.merging(NetMetricHelp.byName) { own, _ in own }

    static let node: [String: String] = {
        let node = NodeMetrics.names, consensus = ConsensusMetrics.names, pow = PoWMetrics.names
        return [
            node.height: "Height of the latest decided block (proof of work: of the best chain's tip).",
            node.blockInterval: "Time between consecutive blocks on this node.",
            node.mempoolSize: "Transactions waiting in the mempool.",
            node.evidence: "Byzantine evidence this node saw for the first time, by kind.",
            node.buildInfo: "Always 1; its labels name the running build's version and git commit.",
            consensus.rounds: "Rounds the latest height took (1 when decided in its first round).",
            consensus.finalityLatency: "From a block's header time to its decision on this node.",
            consensus.proposals: "Proposals this node signed.",
            consensus.commitWaitsSkipped: "Commit waits ended early because every validator's precommit was in.",
            consensus.missedVotes: "Precommits missing from finalized blocks' last commits, by validator address.",
            consensus.storeCommitLatency: "Time to store a decided block, its commit and state in one transaction.",
            consensus.validatorPower: "This node's validator's voting power in the current set (0 when not in it).",
            consensus.validatorLastSignedHeight: "Latest height whose commit holds this node's validator's precommit.",
            consensus.validatorMissedBlocks: "Heights whose commit lacks this node's validator's precommit while it was in the set.",
            consensus.missingValidators: "Validators whose precommit the latest block's last commit lacks.",
            consensus.missingValidatorsPower: "Voting power of the validators the latest block's last commit lacks.",
            consensus.missingValidator: "1 for each validator (address, name) the latest block's last commit lacks; gone once it signs again.",
            consensus.blocksyncSyncing: "1 while block sync applies blocks peers finalized two or more heights past this node, else 0.",
            consensus.blocksyncTargetHeight: "Highest height a peer has shown this node a commit for.",
            pow.hashes: "Hashes this node's miner computed.",
            pow.blocksMined: "Blocks this node mined that became its tip.",
            pow.reorgs: "Tip changes that disconnected blocks.",
            pow.finalHeight: "Highest block with the chain's k confirmations on top.",
            SignatureBatch.transactionVerificationsName: "Signatures this process checked, by kind.",
        ]
    }()
}
