import RatifyCore
import RatifyPoW

/// The hybrid half of a `PoWDriver` (`mode: hybrid`, docs/POW.md "Running a hybrid chain"):
/// the Casper FFG tracker fed with verified checkpoint votes, this node's voter, and the
/// votes waiting for their blocks. The driver owns it and does the I/O.
struct CheckpointFinality: Sendable {
    let chainID: String
    let epochLengthBlocks: UInt64
    var tracker: CheckpointTracker
    /// Votes whenever the validator is in the set of the epoch voted on.
    var voter: CheckpointVoter
    /// The validator key file, or the remote signer that holds the key.
    let signer: ValidatorSigner
    /// The checkpoint a vote targets is the block this many blocks below the tip, so a tie for
    /// the boundary block (two miners at once) is usually settled before anyone votes on it.
    let voteDepthBlocks: UInt64 = 1
    /// Votes whose checkpoint blocks are not in the tree yet, added again after each new block.
    private(set) var awaiting: [VerifiedCheckpointVote] = []
    /// The same votes, for the duplicate check.
    private var awaitingSet: Set<VerifiedCheckpointVote> = []
    let awaitingMax = 4_096
    /// The last epoch whose validator set was taken from the ledger (sets only move forward).
    var validatorSetEpoch: UInt64 = 0
    /// Stored votes are kept this many epochs below the latest finalized one, and re-announced
    /// to peers, so a node that missed up to this many epochs of votes (a restart) catches up.
    let votesKeptBelowFinalizedEpochs: UInt64 = 8
    /// At most this many stored votes are re-announced each time.
    let votesAnnouncedMax = 2_048
    /// When this node first held each recent checkpoint block (ms since 1970, by block hash), so
    /// its log can say how long each step after the block took. Bounded: the oldest go first.
    private(set) var checkpointBlockMillis: [Hash: Double] = [:]
    let checkpointBlocksTimedMax = 64
    /// Validators whose evidence this node has already submitted.
    var accused: Set<Address> = []
    /// Tests only (RATIFY_TEST_FFG_SURROUND_VOTE=1): once, at target epoch 3 or later, the vote
    /// takes the genesis as its source instead, surrounding the vote of the epochs before.
    let castsSurroundVote: Bool
    var surroundVoteCast = false

    init(chainID: String, epochLengthBlocks: UInt64, genesisHash: Hash, validators: ValidatorSet, signer: ValidatorSigner,
         signed: CheckpointSignerState?, castsSurroundVote: Bool) {
        self.chainID = chainID
        self.epochLengthBlocks = max(epochLengthBlocks, 1)
        tracker = CheckpointTracker(genesisHash: genesisHash, epochLengthBlocks: self.epochLengthBlocks, validators: validators)
        voter = CheckpointVoter(validatorAddress: signer.publicKey.address, epochLengthBlocks: self.epochLengthBlocks,
                                signed: signed)
        self.signer = signer
        self.castsSurroundVote = castsSurroundVote
    }

    /// The block height of a checkpoint (the tracker only holds checkpoints whose height fits).
    func height(of checkpoint: Checkpoint) -> UInt64 {
        Checkpoint.height(ofEpoch: checkpoint.epoch, epochLengthBlocks: epochLengthBlocks) ?? 0
    }

    /// Checks a vote's signature with the set that weighs its target epoch, or the epoch
    /// before's. Nil, with whether the signer is a known validator, when it does not verify.
    func verify(_ vote: CheckpointVote) -> (verified: VerifiedCheckpointVote?, knownValidator: Bool) {
        var known = false
        for epoch in Set([vote.target.epoch, vote.target.epoch > 0 ? vote.target.epoch - 1 : 0]) {
            let set = tracker.validators(forEpoch: epoch)
            guard set.validator(at: vote.validatorAddress) != nil else { continue }
            known = true
            if let verified = VerifiedCheckpointVote(verifying: vote, chainID: chainID, validators: set) { return (verified, true) }
        }
        return (nil, known)
    }

    /// Notes that a checkpoint block (height a multiple of the epoch length) arrived now.
    mutating func noteCheckpointBlock(_ hash: Hash, height: UInt64, nowMillis: Double) {
        guard height > 0, height % epochLengthBlocks == 0, checkpointBlockMillis[hash] == nil else { return }
        if checkpointBlockMillis.count >= checkpointBlocksTimedMax,
           let oldest = checkpointBlockMillis.min(by: { $0.value < $1.value })?.key {
            checkpointBlockMillis[oldest] = nil
        }
        checkpointBlockMillis[hash] = nowMillis
    }

    /// Milliseconds since this node first held `checkpoint`'s block; nil when it has no record
    /// (the genesis, a block from before a restart, or one dropped by the bound).
    func millisSinceBlock(of checkpoint: Checkpoint, nowMillis: Double) -> Int? {
        checkpointBlockMillis[checkpoint.blockHash].map { Int(max(0, nowMillis - $0)) }
    }

    /// Holds a vote until its blocks arrive; the oldest is dropped when full.
    mutating func hold(_ vote: VerifiedCheckpointVote) {
        guard awaitingSet.insert(vote).inserted else { return }
        if awaiting.count >= awaitingMax { awaitingSet.remove(awaiting.removeFirst()) }
        awaiting.append(vote)
    }

    /// The held votes, oldest first; none are held afterwards.
    mutating func takeAwaiting() -> [VerifiedCheckpointVote] {
        defer {
            awaiting = []
            awaitingSet = []
        }
        return awaiting
    }
}
