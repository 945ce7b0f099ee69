import RatifyCore
import RatifyNet

/// Well-formed messages with lies in them: every one decodes, none is signed by the key it
/// claims. Random parts come from the caller's generator so a run replays from its seed.
struct ForgedMessages {
    let chainID: String
    var random: SplitMix64

    init(chainID: String, seed: UInt64) {
        self.chainID = chainID
        self.random = SplitMix64(seed: seed)
    }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) } }
    mutating func hash() -> Hash { Hash(bytes(32)) ?? .zero }
    mutating func signature() -> Signature { Signature(bytes(64)) ?? .zero }
    mutating func blockID() -> BlockID { BlockID(hash: hash()) }

    /// A vote claiming validator `index` at `address`, with a signature that is 64 random bytes.
    mutating func vote(_ type: VoteType, height: Height, round: Round, address: Address, index: UInt32,
                       blockID: BlockID? = nil) -> Vote {
        Vote(type: type, height: height, round: round, blockID: blockID ?? self.blockID(), validatorAddress: address,
             validatorIndex: index, signature: signature())
    }

    /// Two conflicting forged precommits of one validator: evidence that proves nothing.
    mutating func evidence(height: Height, round: Round = 0, address: Address, index: UInt32) -> DuplicateVoteEvidence? {
        let first = vote(.precommit, height: height, round: round, address: address, index: index)
        let second = vote(.precommit, height: height, round: round, address: address, index: index)
        return try? DuplicateVoteEvidence(first, second)
    }

    /// A block for `height` that no validator made: random hashes, no transactions, a made-up
    /// last commit. It decodes and its body matches its header; nothing else about it is true.
    mutating func junkBlock(height: Height, proposer: Address) -> Block {
        let lastCommit = height > 1
            ? Commit(height: height - 1, round: 0, blockID: blockID(), signatures: [.commit(signature()), .absent])
            : nil
        return Block.make(chainID: chainID, height: height, timeMillis: UInt64.random(in: 0...UInt64.max, using: &random),
                          lastBlockID: blockID(), lastCommit: lastCommit, transactions: [], evidence: [],
                          validatorsHash: hash(), nextValidatorsHash: hash(), appHash: hash(), proposerAddress: proposer)
    }

    /// A proposal for `block` claiming `proposer`, with a random signature.
    mutating func proposal(for block: Block, round: Round, proposer: Address) -> Proposal {
        Proposal(height: block.height, round: round, polRound: nil, blockID: block.id, proposerAddress: proposer,
                 signature: signature())
    }

    /// A transaction with no fee from a key that never held a coin, correctly signed.
    mutating func zeroFeeTransaction(_ variant: Int) -> Transaction {
        let key = KeyPair.generate()
        let payload: TransactionPayload = variant % 2 == 0
            ? .unjail(validator: key.publicKey)
            : .transfer(to: Address(bytes(20)) ?? .zero, amount: 0)
        return Transaction.signed(chainID: chainID, sender: key, nonce: 0, fee: 0, payload: payload)
    }
}
