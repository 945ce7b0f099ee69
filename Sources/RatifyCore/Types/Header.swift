/// A block header. The block id is the SHA-256 of this header's canonical encoding.
///
/// As in CometBFT, `appHash` is the ledger state after executing the PREVIOUS block, so a
/// block can be checked and voted on before it is executed.
public struct Header: Hashable, Sendable, CanonicalCodable {
    public static let currentVersion: UInt32 = 1

    public var version: UInt32
    public var chainID: String
    public var height: Height
    /// Proposer's wall clock when it made the block, milliseconds since the Unix epoch.
    public var timeMillis: UInt64
    /// The previous block's id; `.zero` at height 1.
    public var lastBlockID: BlockID
    public var lastCommitHash: Hash
    public var transactionsHash: Hash
    public var evidenceHash: Hash
    public var validatorsHash: Hash
    public var nextValidatorsHash: Hash
    public var appHash: Hash
    public var proposerAddress: Address

    public init(version: UInt32 = Header.currentVersion, chainID: String, height: Height, timeMillis: UInt64,
                lastBlockID: BlockID, lastCommitHash: Hash, transactionsHash: Hash, evidenceHash: Hash,
                validatorsHash: Hash, nextValidatorsHash: Hash, appHash: Hash, proposerAddress: Address) {
        self.version = version
        self.chainID = chainID
        self.height = height
        self.timeMillis = timeMillis
        self.lastBlockID = lastBlockID
        self.lastCommitHash = lastCommitHash
        self.transactionsHash = transactionsHash
        self.evidenceHash = evidenceHash
        self.validatorsHash = validatorsHash
        self.nextValidatorsHash = nextValidatorsHash
        self.appHash = appHash
        self.proposerAddress = proposerAddress
    }

    public var blockID: BlockID { BlockID(hash: Hash.sha256(canonicalBytes)) }

    public func encode(to writer: inout ByteWriter) {
        writer.write(version)
        writer.writeString(chainID)
        writer.write(height)
        writer.write(timeMillis)
        writer.write(lastBlockID)
        writer.write(lastCommitHash)
        writer.write(transactionsHash)
        writer.write(evidenceHash)
        writer.write(validatorsHash)
        writer.write(nextValidatorsHash)
        writer.write(appHash)
        writer.write(proposerAddress)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let versionOffset = reader.offset
        version = try reader.readUInt32("header.version")
        guard version == Header.currentVersion else {
            throw reader.failure(.unknownTag(UInt64(version)), "header.version", at: versionOffset)
        }
        chainID = try reader.readString(max: CodecLimits.chainIDBytesMax, "header.chain_id")
        height = try reader.readUInt64("header.height")
        timeMillis = try reader.readUInt64("header.time_ms")
        lastBlockID = try BlockID(from: &reader)
        lastCommitHash = try reader.readHash("header.last_commit_hash")
        transactionsHash = try reader.readHash("header.transactions_hash")
        evidenceHash = try reader.readHash("header.evidence_hash")
        validatorsHash = try reader.readHash("header.validators_hash")
        nextValidatorsHash = try reader.readHash("header.next_validators_hash")
        appHash = try reader.readHash("header.app_hash")
        proposerAddress = try reader.readAddress("header.proposer_address")
    }
}
