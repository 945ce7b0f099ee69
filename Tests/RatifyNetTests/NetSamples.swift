import RatifyCore
@testable import RatifyNet

/// Well-formed messages of every kind, for round trips, fuzz seeds and traffic.
enum NetSamples {
    static let chainID = "ratify-net-test"
    static let validatorKeys: [KeyPair] = (0..<4).compactMap { KeyPair(seed: [UInt8](repeating: UInt8(0x40 + $0), count: 32)) }

    static func nodeKey(_ index: Int) -> KeyPair {
        KeyPair(seed: [UInt8](repeating: UInt8(0x10 + index), count: 32)) ?? KeyPair.generate()
    }

    static func vote(_ type: VoteType = .prevote, height: Height = 7, round: Round = 0,
                     blockID: BlockID? = BlockID(hash: Hash.sha256([1])), validator: Int = 0) -> Vote {
        let key = validatorKeys[validator % validatorKeys.count]
        var vote = Vote(type: type, height: height, round: round, blockID: blockID,
                        validatorAddress: key.publicKey.address, validatorIndex: UInt32(validator))
        vote.signature = key.sign(vote.signBytes(chainID: chainID))
        return vote
    }

    static func transaction(nonce: UInt64 = 1, memoAmount: UInt64 = 12_345) -> Transaction {
        Transaction.signed(chainID: chainID, sender: validatorKeys[1], nonce: nonce, fee: 1,
                           payload: .transfer(to: validatorKeys[2].publicKey.address, amount: memoAmount))
    }

    static func commit(height: Height = 6) -> Commit {
        Commit(height: height, round: 0, blockID: BlockID(hash: Hash.sha256([6])),
               signatures: [.commit(vote(.precommit).signature), .absent])
    }

    static func evidence() -> DuplicateVoteEvidence? {
        try? DuplicateVoteEvidence(vote(blockID: BlockID(hash: Hash.sha256([9]))), vote(blockID: nil))
    }

    static func block(height: Height = 7, transactions: Int = 3) -> Block {
        Block.make(chainID: chainID, height: height, timeMillis: 1_790_000_000_000,
                   lastBlockID: BlockID(hash: Hash.sha256([6])), lastCommit: height > 1 ? commit(height: height - 1) : nil,
                   transactions: (0..<transactions).map { transaction(nonce: UInt64($0)) }, evidence: [],
                   validatorsHash: Hash.sha256([2]), nextValidatorsHash: Hash.sha256([3]),
                   appHash: Hash.sha256([4]), proposerAddress: validatorKeys[0].publicKey.address)
    }

    static func proposal() -> Proposal {
        var proposal = Proposal(height: 7, round: 0, polRound: nil, blockID: block().id,
                                proposerAddress: validatorKeys[0].publicKey.address)
        proposal.signature = validatorKeys[0].sign(proposal.signBytes(chainID: chainID))
        return proposal
    }

    static func peerState() -> PeerState {
        var prevotes = VoteBitmap(count: 4)
        prevotes.insert(0)
        prevotes.insert(3)
        return PeerState(height: 7, round: 1, step: .prevote, prevotes: prevotes, precommits: VoteBitmap(count: 4))
    }

    /// A peer state that asks for the prevotes of its proposal's POL round.
    static func peerStateLackingPOL() -> PeerState {
        var polPrevotes = VoteBitmap(count: 4)
        polPrevotes.insert(2)
        return PeerState(height: 7, round: 3, step: .propose, polRound: 1, polPrevotes: polPrevotes)
    }

    /// One message of every kind.
    static func all() -> [NetMessage] {
        var messages: [NetMessage] = [
            .hello(HandshakeHello(chainID: chainID, nodeKey: nodeKey(0).publicKey, ephemeralKey: Bytes32.zero, udpPort: 26657)),
            .auth(HandshakeAuth(signature: Signature.zero)),
            .peerState(peerState()),
            .peerState(peerStateLackingPOL()),
            .proposal(proposal()),
            .blockPart(BlockPart.split(block())[0]),
            .block(block()),
            .vote(vote()),
            .commit(commit()),
            .transaction(TransactionGossip(transaction())),
            .transaction(TransactionGossip(transaction(), sentTo: [nodeKey(1).publicKey.address, nodeKey(2).publicKey.address])),
            .transactions(TransactionBatch([transaction(nonce: 1), transaction(nonce: 2)], sentTo: [nodeKey(1).publicKey.address])),
            .blockRequest(height: 42),
            .powBlock(PoWBlockBytes([UInt8](repeating: 7, count: 200))),
            .powBlockRequest(hash: Hash.sha256([1, 2, 3])),
            .powHeadersRequest(PoWLocator([Hash.sha256([9]), Hash.sha256([8])])),
            .powHeaders(PoWHeaderBatch([UInt8](repeating: 3, count: 2 * PoWHeaderBatch.headerBytes))),
            .checkpointVote(CheckpointVote.signed(chainID: chainID, key: nodeKey(1), source: Checkpoint(epoch: 0, blockHash: Hash.sha256([4])),
                                                  target: Checkpoint(epoch: 1, blockHash: Hash.sha256([5])))),
            .keepAlive,
        ]
        if let evidence = evidence() { messages.append(.evidence(evidence)) }
        return messages
    }
}
