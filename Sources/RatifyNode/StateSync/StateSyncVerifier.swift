import RatifyCore
import RatifyLedger
import RatifyStore

/// A height as a light client needs it: the block (for its header), the commit that finalized
/// it and the validator set whose precommits that commit holds.
public struct LightBlock: Sendable {
    public var block: Block
    public var commit: Commit
    public var validators: ValidatorSet

    public init(block: Block, commit: Commit, validators: ValidatorSet) {
        self.block = block
        self.commit = commit
        self.validators = validators
    }

    public var header: Header { block.header }
}

/// Why state sync refused what a server sent. Each names the height or chunk and the server
/// is dropped; nothing of a refused snapshot is written.
public struct StateSyncFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The checks of state sync (docs/STATESYNC.md), pure: a light client's sequential
/// verification from a trusted height to the snapshot's, then the snapshot against the
/// verified headers. Nothing here trusts a server; the caller fetches, this decides.
public enum StateSyncVerifier {
    /// Checks `blocks` (consecutive heights, the first at the trusted height) from the trusted
    /// block hash on, one `verifyNext` each. Throws at the first break.
    public static func verifyChain(chainID: String, trustHash: Hash, blocks: [LightBlock]) throws(StateSyncFailure) {
        guard !blocks.isEmpty else { throw StateSyncFailure("no light blocks to verify") }
        var previous: LightBlock?
        for light in blocks {
            try verifyNext(light, after: previous, trustHash: trustHash, chainID: chainID)
            previous = light
        }
    }

    /// Checks one light block: the first (`previous` nil) must hash to `trustHash`; any other
    /// must follow `previous`, already verified, with the validator set it named as next. Its
    /// body matches its header, its set is the one its header names, and its commit is for it and
    /// carries 2/3+ of that set's power with valid signatures. Each commit is checked once.
    public static func verifyNext(_ light: LightBlock, after previous: LightBlock?, trustHash: Hash,
                                  chainID: String) throws(StateSyncFailure) {
        let header = light.header
        if previous == nil, header.blockID.hash != trustHash {
            throw StateSyncFailure("block \(header.height) has hash \(header.blockID.hash.hex), not the trusted \(trustHash.hex)")
        }
        guard header.chainID == chainID else { throw StateSyncFailure("block \(header.height) is for chain \(header.chainID)") }
        do {
            try light.block.validateBody()
        } catch {
            throw StateSyncFailure("block \(header.height)'s body does not match its header: \(error)")
        }
        guard light.validators.hash == header.validatorsHash else {
            throw StateSyncFailure("the validator set given for height \(header.height) is not the one its header names")
        }
        if let previous {
            // Heights are a server's word: compared without adding past 2^64-1.
            guard previous.header.height < .max, header.height == previous.header.height + 1,
                  header.lastBlockID == previous.header.blockID else {
                throw StateSyncFailure("block \(header.height) does not follow block \(previous.header.height)")
            }
            guard header.validatorsHash == previous.header.nextValidatorsHash else {
                throw StateSyncFailure("block \(header.height)'s validator set is not the next set block \(previous.header.height) named")
            }
        }
        guard light.commit.height == header.height, light.commit.blockID == header.blockID else {
            throw StateSyncFailure("the commit given for height \(header.height) is for another block")
        }
        do {
            try light.commit.verify(chainID: chainID, validators: light.validators)
        } catch {
            throw StateSyncFailure("the commit of height \(header.height) does not prove it final: \(error)")
        }
    }

    /// What a verified snapshot restores.
    public struct Restorable: Sendable {
        public var validatorSets: [[UInt8]]
        public var statePairs: [(key: [UInt8], value: [UInt8])]
    }

    /// Checks a snapshot at height S against verified light blocks S and S+1: its manifest
    /// names block S and the app hash header S+1 carries; each chunk hashes to its manifest
    /// entry (`badChunk` names the first that does not, so its server can be dropped); the
    /// validator sets are those headers S and S+1 name; the state pairs load and hash to the
    /// app hash.
    public static func verifySnapshot(_ manifest: SnapshotManifest, chunks: [[UInt8]], at snapshot: LightBlock,
                                      next: LightBlock) throws(StateSyncFailure) -> Restorable {
        let height = snapshot.header.height
        // The sets of height + 2 are checked below: heights near 2^64-1 are refused, not added to.
        guard height < UInt64.max - 2 else { throw StateSyncFailure("snapshot height \(height) is out of range") }
        guard manifest.format == SnapshotManifest.currentFormat else {
            throw StateSyncFailure("snapshot format \(manifest.format) is not the format \(SnapshotManifest.currentFormat) this node restores")
        }
        guard manifest.height == height, next.header.height == height + 1 else {
            throw StateSyncFailure("snapshot \(manifest.height) checked against blocks \(height) and \(next.header.height)")
        }
        guard manifest.blockHash == snapshot.header.blockID.hash else {
            throw StateSyncFailure("snapshot \(height) names block \(manifest.blockHash.hex), not the verified block at that height")
        }
        guard manifest.appHash == next.header.appHash else {
            throw StateSyncFailure("snapshot \(height) has app hash \(manifest.appHash.hex); header \(height + 1) commits to \(next.header.appHash.hex)")
        }
        guard chunks.count == manifest.chunkHashes.count, chunks.count >= 1 else {
            throw StateSyncFailure("snapshot \(height) has \(manifest.chunkHashes.count) chunks; \(chunks.count) were fetched")
        }
        if let bad = badChunk(manifest, chunks: chunks) {
            throw StateSyncFailure("chunk \(bad) of snapshot \(height) does not hash to its manifest entry")
        }
        let sets: [[UInt8]]
        do {
            sets = try SnapshotChunk.decodeChain(chunks[0])
        } catch {
            throw StateSyncFailure("snapshot \(height)'s chain chunk does not decode: \(error)")
        }
        let expected = [snapshot.header.validatorsHash, next.header.validatorsHash, next.header.nextValidatorsHash]
        guard sets.count == 3 else { throw StateSyncFailure("snapshot \(height) holds \(sets.count) validator sets, not 3") }
        for (offset, (bytes, hash)) in zip(sets, expected).enumerated() {
            guard let set = try? ValidatorSet(canonicalBytes: bytes), set.hash == hash else {
                throw StateSyncFailure("snapshot \(height)'s validator set of height \(height + UInt64(offset)) is not the one the headers name")
            }
        }
        var pairs: [(key: [UInt8], value: [UInt8])] = []
        for index in 1..<chunks.count {
            do {
                pairs += try SnapshotChunk.decodeState(chunks[index])
            } catch {
                throw StateSyncFailure("snapshot \(height) chunk \(index) does not decode: \(error)")
            }
        }
        guard UInt64(pairs.count) == manifest.stateEntries else {
            throw StateSyncFailure("snapshot \(height) holds \(pairs.count) state entries; its manifest says \(manifest.stateEntries)")
        }
        let state: LedgerState
        do {
            state = try LedgerState.load(from: pairs)
        } catch {
            throw StateSyncFailure("snapshot \(height)'s state does not load: \(error)")
        }
        guard state.appHash == manifest.appHash else {
            throw StateSyncFailure("snapshot \(height)'s state hashes to \(state.appHash.hex), not its app hash \(manifest.appHash.hex)")
        }
        return Restorable(validatorSets: sets, statePairs: pairs)
    }

    /// The first chunk whose bytes do not hash to its manifest entry, if any.
    public static func badChunk(_ manifest: SnapshotManifest, chunks: [[UInt8]]) -> Int? {
        zip(chunks, manifest.chunkHashes).enumerated().first { Hash.sha256($0.element.0) != $0.element.1 }?.offset
    }
}
