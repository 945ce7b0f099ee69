/// One validator's entry in a commit, in validator-set order: it precommitted the block,
/// precommitted nil, or its precommit was not seen (absent). Absent entries carry no
/// signature; downtime tracking reads them.
public enum CommitSig: Hashable, Sendable, CanonicalCodable {
    case absent
    case commit(Signature)
    case `nil`(Signature)

    public var signature: Signature? {
        switch self {
        case .absent: nil
        case .commit(let signature), .nil(let signature): signature
        }
    }

    public func encode(to writer: inout ByteWriter) {
        switch self {
        case .absent:
            writer.write(UInt8(0))
        case .commit(let signature):
            writer.write(UInt8(1))
            writer.write(signature)
        case .nil(let signature):
            writer.write(UInt8(2))
            writer.write(signature)
        }
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let start = reader.offset
        switch try reader.readUInt8("commit_sig.flag") {
        case 0: self = .absent
        case 1: self = .commit(try reader.readSignature("commit_sig.signature"))
        case 2: self = .nil(try reader.readSignature("commit_sig.signature"))
        case let tag: throw reader.failure(.unknownTag(UInt64(tag)), "commit_sig.flag", at: start)
        }
    }
}

/// The precommits that finalized a block: more than 2/3 of the voting power of the height's
/// validator set precommitted `blockID` in `round`. Stored with the block and carried in the
/// next block's `lastCommit`. `signatures[i]` belongs to validator i of that set.
public struct Commit: Hashable, Sendable, CanonicalCodable {
    public var height: Height
    public var round: Round
    public var blockID: BlockID
    public var signatures: [CommitSig]

    public init(height: Height, round: Round, blockID: BlockID, signatures: [CommitSig]) {
        self.height = height
        self.round = round
        self.blockID = blockID
        self.signatures = signatures
    }

    /// The precommit vote that signature `index` signed, to rebuild its sign bytes.
    public func vote(at index: Int, address: Address) -> Vote? {
        guard signatures.indices.contains(index) else { return nil }
        switch signatures[index] {
        case .absent:
            return nil
        case .commit(let signature):
            return Vote(type: .precommit, height: height, round: round, blockID: blockID,
                        validatorAddress: address, validatorIndex: UInt32(index), signature: signature)
        case .nil(let signature):
            return Vote(type: .precommit, height: height, round: round, blockID: nil,
                        validatorAddress: address, validatorIndex: UInt32(index), signature: signature)
        }
    }

    public var hash: Hash { Hash.sha256(canonicalBytes) }

    public func encode(to writer: inout ByteWriter) {
        writer.write(height)
        writer.write(round)
        writer.write(blockID)
        writer.writeList(signatures)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        height = try reader.readUInt64("commit.height")
        round = try reader.readUInt32("commit.round")
        blockID = try BlockID(from: &reader)
        signatures = try reader.readList(CommitSig.self, max: CodecLimits.validatorsMax, "commit.signatures")
    }
}
