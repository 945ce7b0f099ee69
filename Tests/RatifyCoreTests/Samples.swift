@testable import RatifyCore

/// Well-formed sample values of every consensus type, for round trips and fuzz seeds.
enum Samples {
    static let chainID = "ratify-test"
    static let keys: [KeyPair] = (0..<4).compactMap { KeyPair(seed: [UInt8](repeating: UInt8($0 + 1), count: 32)) }

    static func vote(_ type: VoteType = .prevote, height: Height = 7, round: Round = 2,
                     blockID: BlockID? = BlockID(hash: Hash.sha256([1])), validator: Int = 0) -> Vote {
        let key = keys[validator]
        var vote = Vote(type: type, height: height, round: round, blockID: blockID,
                        validatorAddress: key.publicKey.address, validatorIndex: UInt32(validator))
        vote.signature = key.sign(vote.signBytes(chainID: chainID))
        return vote
    }

    static func evidence() -> DuplicateVoteEvidence {
        // Both votes are well formed; the init cannot fail for two different block ids.
        try! DuplicateVoteEvidence(vote(blockID: BlockID(hash: Hash.sha256([9]))), vote(blockID: nil))
    }

    static func checkpointVote(source: UInt64 = 1, target: UInt64 = 3, validator: Int = 0) -> CheckpointVote {
        CheckpointVote.signed(chainID: chainID, key: keys[validator],
                              source: Checkpoint(epoch: source, blockHash: Hash.sha256([UInt8(truncatingIfNeeded: source)])),
                              target: Checkpoint(epoch: target, blockHash: Hash.sha256([UInt8(truncatingIfNeeded: target)])))
    }

    static func ffgEvidence() -> FFGSlashingEvidence {
        // 0 → 4 surrounds 1 → 3: the init cannot fail for this pair.
        try! FFGSlashingEvidence(checkpointVote(source: 0, target: 4), checkpointVote(source: 1, target: 3))
    }

    static func transactions(count: Int) -> [Transaction] {
        (0..<count).map { index in
            let payload: TransactionPayload = switch index % 5 {
            case 0: .transfer(to: keys[1].publicKey.address, amount: UInt64(index) * 10)
            case 1: .stake(validator: keys[0].publicKey, amount: 5_000, name: "node-\(index)")
            case 2: .unstake(validator: keys[2].publicKey, amount: 17)
            case 3: .unjail(validator: keys[3].publicKey)
            default: .evidence(evidence())
            }
            return Transaction.signed(chainID: chainID, sender: keys[index % 4], nonce: UInt64(index), fee: 1, payload: payload)
        }
    }

    static func commit(height: Height = 6) -> Commit {
        Commit(height: height, round: 1, blockID: BlockID(hash: Hash.sha256([6])),
               signatures: [.commit(vote(.precommit).signature), .absent, .nil(vote(.precommit, blockID: nil).signature)])
    }

    static func block(transactions count: Int = 10, height: Height = 7) -> Block {
        Block.make(chainID: chainID, height: height, timeMillis: 1_790_000_000_000, lastBlockID: BlockID(hash: Hash.sha256([6])),
                   lastCommit: height > 1 ? commit(height: height - 1) : nil, transactions: transactions(count: count),
                   evidence: [evidence()], validatorsHash: Hash.sha256([2]), nextValidatorsHash: Hash.sha256([3]),
                   appHash: Hash.sha256([4]), proposerAddress: keys[0].publicKey.address)
    }

    static func proposal(polRound: Round? = 1) -> Proposal {
        var proposal = Proposal(height: 7, round: 2, polRound: polRound, blockID: block().id,
                                proposerAddress: keys[0].publicKey.address)
        proposal.signature = keys[0].sign(proposal.signBytes(chainID: chainID))
        return proposal
    }
}
