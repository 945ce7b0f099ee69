import RatifyNode
import RatifyCore

/// What one node's store says happened, reduced to what `HistoryCheck` compares: per height
/// the block hash and app hash, where each transaction is, and every signed vote the store
/// holds (its commits, the `last_commit` of every block, and the votes of any evidence).
public struct NodeHistory: Sendable {
    public struct HeightRecord: Sendable, Equatable {
        public var blockHash: Hash
        public var appHash: Hash

        public init(blockHash: Hash, appHash: Hash) {
            self.blockHash = blockHash
            self.appHash = appHash
        }
    }

    /// A vote as signed: who, which height/round/type, and for what (nil: for nil).
    public struct SignedVote: Sendable, Hashable {
        public var validator: Address
        public var height: Height
        public var round: Round
        public var type: VoteType
        public var blockID: BlockID?

        public init(validator: Address, height: Height, round: Round, type: VoteType, blockID: BlockID?) {
            self.validator = validator
            self.height = height
            self.round = round
            self.type = type
            self.blockID = blockID
        }

        public init(_ vote: Vote) {
            self.init(validator: vote.validatorAddress, height: vote.height, round: vote.round, type: vote.type, blockID: vote.blockID)
        }
    }

    public var name: String
    /// The lowest height the node keeps: 1, or higher on a node that prunes (`[storage] retain_blocks`).
    public var earliestHeight: Height = 1
    /// Index 0 is `earliestHeight`; the node's latest height is `earliestHeight - 1 + heights.count`.
    public var heights: [HeightRecord]
    /// Transaction hash -> every height whose block holds it (once per occurrence).
    public var transactionHeights: [Hash: [Height]]
    public var votes: Set<SignedVote>
    /// Heights whose blocks carry duplicate-vote evidence, with the accused validator.
    public var evidence: [(height: Height, validator: Address)]

    public init(name: String, heights: [HeightRecord] = [], transactionHeights: [Hash: [Height]] = [:],
                votes: Set<SignedVote> = [], evidence: [(height: Height, validator: Address)] = []) {
        self.name = name
        self.heights = heights
        self.transactionHeights = transactionHeights
        self.votes = votes
        self.evidence = evidence
    }

    public var latestHeight: Height { earliestHeight - 1 + Height(heights.count) }

    public func record(at height: Height) -> HeightRecord? {
        guard height >= earliestHeight, height <= latestHeight else { return nil }
        return heights[Int(height - earliestHeight)]
    }

    /// Adds block `height` (the next one) with the commit that finalized it; `validators` is
    /// the set of that height, `previousValidators` the set whose votes its `last_commit` holds.
    public mutating func append(block: Block, commit: Commit, appHash: Hash, validators: ValidatorSet?, previousValidators: ValidatorSet?) {
        heights.append(HeightRecord(blockHash: block.id.hash, appHash: appHash))
        for transaction in block.transactions {
            transactionHeights[transaction.hash, default: []].append(block.height)
        }
        if let validators { addVotes(of: commit, validators: validators) }
        if let lastCommit = block.lastCommit, let previousValidators { addVotes(of: lastCommit, validators: previousValidators) }
        for item in block.evidence {
            evidence.append((block.height, item.validatorAddress))
            votes.insert(SignedVote(item.voteA))
            votes.insert(SignedVote(item.voteB))
        }
    }

    mutating func addVotes(of commit: Commit, validators: ValidatorSet) {
        for index in commit.signatures.indices {
            guard let validator = validators.validator(atIndex: index),
                  let vote = commit.vote(at: index, address: validator.address) else { continue }
            votes.insert(SignedVote(vote))
        }
    }
}
