import RatifyCore
import RatifyStore

/// Everything the node's driver hands to `BlockStore.commit` for one decided height
/// (`NodeDriver.apply`): the block, its commit, the ledger's state writes, the validator set it
/// decided for height + 2 and one location record per transaction.
struct DecidedBlock {
    let block: Block
    let commit: Commit
    let stateWrites: [StateWrite]
    let appHash: Hash
    let validatorSets: [(height: Height, set: ValidatorSet)]
    let transactions: [(hash: Hash, index: Int, code: UInt32, log: String)]

    /// The same values, encoded as `BlockStore.commit(block:commit:...)` encodes them, for the
    /// bytes-level `BlockStore.commit(height:blockBytes:...)`. Keep in step with
    /// Sources/RatifyStore/Chain/BlockStore+Typed.swift.
    func encoded() -> EncodedBlock {
        EncodedBlock(
            height: block.height, blockBytes: block.canonicalBytes, commitBytes: commit.canonicalBytes,
            blockHash: block.id.hash, stateWrites: stateWrites, appHash: appHash,
            validatorSets: validatorSets.map { ($0.height, $0.set.canonicalBytes) },
            transactions: transactions.map { item in
                var writer = ByteWriter(capacity: 32 + item.log.utf8.count)
                writer.write(block.height)
                writer.write(UInt32(truncatingIfNeeded: item.index))
                writer.write(item.code)
                writer.writeString(item.log)
                return (item.hash, writer.bytes)
            })
    }
}
