import RatifyCore
import RatifyStore

/// A decided block in the form the bytes-level `BlockStore.commit(height:blockBytes:...)` takes:
/// canonical encodings, ready to be put.
struct EncodedBlock {
    let height: UInt64
    let blockBytes: [UInt8]
    let commitBytes: [UInt8]
    let blockHash: Hash
    let stateWrites: [StateWrite]
    let appHash: Hash
    let validatorSets: [(height: UInt64, bytes: [UInt8])]
    let transactions: [(hash: Hash, location: [UInt8])]
}
