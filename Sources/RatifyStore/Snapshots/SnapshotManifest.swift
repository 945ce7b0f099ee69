import RatifyCore

/// What a snapshot of the ledger state at one height holds, and what each of its chunks must
/// hash to (docs/STORAGE.md, "Snapshots"). Peers list manifests; a node restoring a snapshot
/// checks every chunk against `chunkHashes` and the rebuilt state against `appHash`, which
/// the header of block `height + 1` commits to.
///
/// Chunk 0 holds the chain's validator sets of heights `height`, `height + 1` and
/// `height + 2` (with proposer priorities, as the store keeps them); chunks 1 and on hold the
/// state's key-value pairs in key order (`SnapshotChunk`).
public struct SnapshotManifest: Hashable, Sendable, CanonicalCodable {
    public static let currentFormat: UInt32 = 1
    /// A snapshot of more chunks than this is refused (at 512 KiB a chunk: 32 GiB of state).
    public static let chunksMax = 65_536

    public var format: UInt32
    /// The state is the one after this block.
    public var height: UInt64
    /// `LedgerState.appHash` of the state (header `height + 1`'s `appHash`).
    public var appHash: Hash
    /// Block `height`'s id.
    public var blockHash: Hash
    /// How many key-value pairs the state chunks hold in all.
    public var stateEntries: UInt64
    /// SHA-256 of each chunk's bytes, chunk 0 first.
    public var chunkHashes: [Hash]

    public init(format: UInt32 = SnapshotManifest.currentFormat, height: UInt64, appHash: Hash, blockHash: Hash,
                stateEntries: UInt64, chunkHashes: [Hash]) {
        self.format = format
        self.height = height
        self.appHash = appHash
        self.blockHash = blockHash
        self.stateEntries = stateEntries
        self.chunkHashes = chunkHashes
    }

    /// The snapshot's identity: SHA-256 of the manifest's canonical bytes.
    public var hash: Hash { Hash.sha256(canonicalBytes) }

    /// As `GET /snapshots` and `ratify store snapshots --json` show it; `manifest` is the
    /// canonical encoding in hex, which a restoring node decodes and hashes itself.
    public var json: JSONValue {
        .object([
            JSONValue.Member("height", .number(String(height))),
            JSONValue.Member("format", .number(String(format))),
            JSONValue.Member("hash", .string(hash.hex)),
            JSONValue.Member("chunks", .number(String(chunkHashes.count))),
            JSONValue.Member("state_entries", .number(String(stateEntries))),
            JSONValue.Member("app_hash", .string(appHash.hex)),
            JSONValue.Member("block_hash", .string(blockHash.hex)),
            JSONValue.Member("manifest", .string(Hex.encode(canonicalBytes))),
        ])
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(format)
        writer.write(height)
        writer.write(appHash)
        writer.write(blockHash)
        writer.write(stateEntries)
        writer.write(UInt32(truncatingIfNeeded: chunkHashes.count))
        for hash in chunkHashes { writer.write(hash) }
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        format = try reader.readUInt32("snapshot.format")
        height = try reader.readUInt64("snapshot.height")
        appHash = try reader.readHash("snapshot.app_hash")
        blockHash = try reader.readHash("snapshot.block_hash")
        stateEntries = try reader.readUInt64("snapshot.state_entries")
        let count = try reader.readCount(max: Self.chunksMax, "snapshot.chunk_hashes")
        chunkHashes = []
        chunkHashes.reserveCapacity(count)
        for _ in 0..<count { chunkHashes.append(try reader.readHash("snapshot.chunk_hashes")) }
    }
}

/// The contents of snapshot chunks.
public enum SnapshotChunk {
    /// A state chunk is filled to about this many bytes (one pair larger than that goes alone),
    /// so that a chunk with its message header fits the network's 1 MiB frame.
    public static let stateBytesTarget = 512 * 1_024
    /// No chunk may exceed this (a state pair is at most a 511-byte key and its value).
    public static let bytesMax = 1_000_000

    /// Chunk 0: the validator sets of heights H, H+1 and H+2, canonical bytes each.
    public static func chain(validatorSets: [[UInt8]]) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(UInt32(truncatingIfNeeded: validatorSets.count))
        for set in validatorSets { writer.writeBytes(set) }
        return writer.bytes
    }

    public static func decodeChain(_ bytes: [UInt8]) throws -> [[UInt8]] {
        try bytes.withUnsafeBytes { buffer throws -> [[UInt8]] in
            var reader = ByteReader(buffer)
            let count = try reader.readCount(max: 3, "snapshot_chain.validator_sets")
            var sets: [[UInt8]] = []
            for _ in 0..<count { sets.append(try reader.readBytes(max: bytesMax, "snapshot_chain.validator_set")) }
            try reader.finish("snapshot_chain")
            return sets
        }
    }

    /// Splits state pairs (in key order) into chunks of about `stateBytesTarget` bytes.
    public static func state(_ pairs: [(key: [UInt8], value: [UInt8])], targetBytes: Int = stateBytesTarget) -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        var start = 0
        while start < pairs.count {
            var end = start
            var bytes = 4
            while end < pairs.count {
                let size = 8 + pairs[end].key.count + pairs[end].value.count
                if end > start, bytes + size > targetBytes { break }
                bytes += size
                end += 1
            }
            var writer = ByteWriter(capacity: bytes)
            writer.write(UInt32(truncatingIfNeeded: end - start))
            for pair in pairs[start..<end] {
                writer.writeBytes(pair.key)
                writer.writeBytes(pair.value)
            }
            chunks.append(writer.bytes)
            start = end
        }
        return chunks
    }

    public static func decodeState(_ bytes: [UInt8]) throws -> [(key: [UInt8], value: [UInt8])] {
        try bytes.withUnsafeBytes { buffer throws -> [(key: [UInt8], value: [UInt8])] in
            var reader = ByteReader(buffer)
            // Each pair takes at least 8 bytes (two length prefixes).
            let count = try reader.readCount(max: bytesMax / 8, "snapshot_state.pairs")
            var pairs: [(key: [UInt8], value: [UInt8])] = []
            pairs.reserveCapacity(count)
            for _ in 0..<count {
                let key = try reader.readBytes(max: 511, "snapshot_state.key")
                let value = try reader.readBytes(max: bytesMax, "snapshot_state.value")
                pairs.append((key, value))
            }
            try reader.finish("snapshot_state")
            return pairs
        }
    }
}
