import RatifyConsensus
import RatifyCore

/// A small chain for scripted rule tests: keys, a validator set with the given powers, signed
/// proposals and votes, and blocks that differ by a tag. Signatures are real, and votes enter
/// the core through `VerifiedVote(verifying:)` exactly as the node's would.
struct Fixture {
    static let chainID = "ratify-consensus-test"

    let keys: [KeyPair]
    let set: ValidatorSet
    let height: Height
    let parameters: ConsensusParameters

    /// Keys derived from fixed seeds; `powers[i]` is the power of key i.
    init(powers: [Int64] = [10, 10, 10, 10], height: Height = 1,
         parameters: ConsensusParameters = ConsensusParameters()) throws {
        let keys = powers.indices.compactMap { KeyPair(seed: [UInt8](repeating: UInt8(40 + $0), count: 32)) }
        self.keys = keys
        self.set = try ValidatorSet(validators: zip(keys, powers).map { Validator(publicKey: $0.publicKey, votingPower: $1) })
        self.height = height
        self.parameters = parameters
    }

    /// Set-order indices.
    var count: Int { self.set.validators.count }
    func address(_ index: Int) -> Address { self.set.validators[index].address }
    func key(_ index: Int) -> KeyPair {
        let address = address(index)
        return keys.first { $0.publicKey.address == address } ?? keys[0]
    }

    func proposerIndex(round: Round) -> Int {
        self.set.index(of: self.set.copyIncrementingProposerPriority(times: Int(round)).proposer.address) ?? -1
    }

    /// The set-order index of some validator that does not propose in rounds 0...2.
    var nonProposerIndex: Int {
        let proposers = Set((0...2).map { proposerIndex(round: Round($0)) })
        return (0..<count).first { !proposers.contains($0) } ?? 0
    }

    func core(me index: Int?) -> Consensus {
        Consensus(parameters: parameters, me: index.map(address), height: height, validators: self.set, nextValidators: self.set)
    }

    func block(_ tag: UInt64, height: Height? = nil) -> Block {
        let height = height ?? self.height
        return Block.make(chainID: Fixture.chainID, height: height, timeMillis: 1_800_000_000_000 + tag,
                          lastBlockID: .zero, lastCommit: nil, transactions: [], evidence: [],
                          validatorsHash: self.set.hash, nextValidatorsHash: self.set.hash, appHash: .zero,
                          proposerAddress: address(0))
    }

    /// A signed proposal from the proposer of `round` (or from `by`), verified.
    func proposal(_ block: Block, round: Round, polRound: Round? = nil, by index: Int? = nil) -> ConsensusInput {
        let signer = index ?? proposerIndex(round: round)
        var proposal = Proposal(height: block.height, round: round, polRound: polRound, blockID: block.id,
                                proposerAddress: address(signer))
        proposal.signature = key(signer).sign(proposal.signBytes(chainID: Fixture.chainID))
        guard let verified = VerifiedProposal(verifying: proposal, chainID: Fixture.chainID, validators: self.set) else {
            preconditionFailure("fixture proposal must verify")
        }
        return .proposal(verified, block: block, blockIsValid: true)
    }

    func signedVote(_ type: VoteType, round: Round, _ blockID: BlockID?, by index: Int, height: Height? = nil) -> Vote {
        var vote = Vote(type: type, height: height ?? self.height, round: round, blockID: blockID,
                        validatorAddress: address(index), validatorIndex: UInt32(index))
        vote.signature = key(index).sign(vote.signBytes(chainID: Fixture.chainID))
        return vote
    }

    func vote(_ type: VoteType, round: Round, _ blockID: BlockID?, by index: Int, height: Height? = nil) -> ConsensusInput {
        let vote = signedVote(type, round: round, blockID, by: index, height: height)
        guard let verified = VerifiedVote(verifying: vote, chainID: Fixture.chainID, validators: self.set) else {
            preconditionFailure("fixture vote must verify")
        }
        return .vote(verified)
    }

    /// The unsigned vote the core at `index` is expected to ask to sign.
    func expectedVote(_ type: VoteType, round: Round, _ blockID: BlockID?, by index: Int) -> ConsensusEffect {
        .signVote(Vote(type: type, height: height, round: round, blockID: blockID,
                       validatorAddress: address(index), validatorIndex: UInt32(index)))
    }

    func timeout(_ kind: TimeoutEvent.Kind, round: Round, height: Height? = nil) -> TimeoutEvent {
        TimeoutEvent(kind: kind, height: height ?? self.height, round: round)
    }

    func schedule(_ kind: TimeoutEvent.Kind, round: Round, height: Height? = nil) -> ConsensusEffect {
        .scheduleTimeout(timeout(kind, round: round, height: height), afterMillis: parameters.timeoutMillis(kind, round: round))
    }

    /// Feeds `inputs` in order and returns all effects.
    static func feed(_ core: inout Consensus, _ inputs: [ConsensusInput]) -> [ConsensusEffect] {
        inputs.flatMap { core.handle($0) }
    }

    /// Votes of `type` for `blockID` in `round` from the given validators.
    func votes(_ type: VoteType, round: Round, _ blockID: BlockID?, from indices: [Int]) -> [ConsensusInput] {
        indices.map { vote(type, round: round, blockID, by: $0) }
    }

    /// Every index but `index`.
    func others(than index: Int) -> [Int] { (0..<count).filter { $0 != index } }
}
