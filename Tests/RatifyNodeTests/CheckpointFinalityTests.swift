import RatifyCore
import RatifyPoW
import Testing
@testable import RatifyNode

@Suite("hybrid node: checking received checkpoint votes")
struct CheckpointFinalityTests {
    static let chainID = "finality-test"

    static func finality(_ keys: [KeyPair]) throws -> CheckpointFinality {
        let set = try ValidatorSet(validators: keys.map { Validator(publicKey: $0.publicKey, votingPower: 10) })
        return CheckpointFinality(chainID: chainID, epochLengthBlocks: 4, genesisHash: Hash.sha256([0]), validators: set,
                                  signer: .local(keys[0]), signed: nil, castsSurroundVote: false)
    }

    static func vote(_ key: KeyPair, chainID: String = chainID, targetEpoch: UInt64 = 1) -> CheckpointVote {
        CheckpointVote.signed(chainID: chainID, key: key, source: Checkpoint(epoch: 0, blockHash: Hash.sha256([0])),
                              target: Checkpoint(epoch: targetEpoch, blockHash: Hash.sha256([1])))
    }

    @Test("a validator's vote verifies; a bad signature is from a known validator (the peer misbehaves); a stranger's vote is just dropped")
    func verify() throws {
        let keys = (0..<3).map { _ in KeyPair.generate() }
        let finality = try Self.finality(keys)
        #expect(finality.verify(Self.vote(keys[1])).verified?.vote == Self.vote(keys[1]))

        let forged = Self.vote(keys[1], chainID: "elsewhere")
        let checkedForged = finality.verify(forged)
        #expect(checkedForged.verified == nil && checkedForged.knownValidator)

        let stranger = finality.verify(Self.vote(KeyPair.generate()))
        #expect(stranger.verified == nil && !stranger.knownValidator)
    }

    @Test("votes waiting for their blocks are held once each, the oldest dropped when full")
    func hold() throws {
        let keys = (0..<2).map { _ in KeyPair.generate() }
        var finality = try Self.finality(keys)
        let verified = try #require(finality.verify(Self.vote(keys[1])).verified)
        finality.hold(verified)
        finality.hold(verified)
        #expect(finality.awaiting.count == 1)
        for epoch in 2...UInt64(finality.awaitingMax + 1) {
            finality.hold(try #require(finality.verify(Self.vote(keys[1], targetEpoch: epoch)).verified))
        }
        #expect(finality.awaiting.count == finality.awaitingMax)
        #expect(finality.awaiting.first?.vote.target.epoch == 2, "the oldest vote was dropped")
        #expect(finality.awaiting.last?.vote.target.epoch == UInt64(finality.awaitingMax + 1))
        // The dropped vote may be held again; taking them empties the list.
        finality.hold(verified)
        #expect(finality.awaiting.last == verified)
        #expect(finality.takeAwaiting().count == finality.awaitingMax)
        #expect(finality.awaiting.isEmpty)
        finality.hold(verified)
        #expect(finality.awaiting == [verified])
    }

    @Test("checkpoint blocks are timed from their first arrival, only at epoch boundaries, at most checkpointBlocksTimedMax, the oldest dropped")
    func checkpointBlockTimes() throws {
        var finality = try Self.finality([KeyPair.generate()])
        let checkpoint = Checkpoint(epoch: 1, blockHash: Hash.sha256([1]))
        #expect(finality.millisSinceBlock(of: checkpoint, nowMillis: 5_000) == nil)
        finality.noteCheckpointBlock(checkpoint.blockHash, height: 4, nowMillis: 1_000)
        finality.noteCheckpointBlock(checkpoint.blockHash, height: 4, nowMillis: 3_000)
        #expect(finality.millisSinceBlock(of: checkpoint, nowMillis: 5_000) == 4_000, "the first arrival counts")
        #expect(finality.millisSinceBlock(of: checkpoint, nowMillis: 500) == 0, "a clock step back never gives a negative time")
        finality.noteCheckpointBlock(Hash.sha256([2]), height: 5, nowMillis: 1_000)
        finality.noteCheckpointBlock(Hash.sha256([3]), height: 0, nowMillis: 1_000)
        #expect(finality.checkpointBlockMillis.count == 1, "heights 5 and 0 are no checkpoint blocks this node times")
        for index in 1...finality.checkpointBlocksTimedMax {
            finality.noteCheckpointBlock(Hash.sha256([9, UInt8(index)]), height: 4 * UInt64(index), nowMillis: 1_000 + Double(index))
        }
        #expect(finality.checkpointBlockMillis.count == finality.checkpointBlocksTimedMax)
        #expect(finality.millisSinceBlock(of: checkpoint, nowMillis: 5_000) == nil, "the oldest was dropped")
    }
}
