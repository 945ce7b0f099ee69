/// The two vote types of Tendermint (Algorithm 1): PREVOTE and PRECOMMIT.
public enum VoteType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case prevote = 1
    case precommit = 2

    public var description: String { self == .prevote ? "prevote" : "precommit" }
}

/// A signed prevote or precommit. `blockID == nil` is a vote for nil.
///
/// The signature covers `signBytes(chainID:)` only: the domain tag, chain id, type, height,
/// round and block id. The validator's identity is the key that verifies it; `validatorIndex`
/// and `validatorAddress` locate that key in the height's validator set.
public struct Vote: Hashable, Sendable, CanonicalCodable {
    public var type: VoteType
    public var height: Height
    public var round: Round
    public var blockID: BlockID?
    public var validatorAddress: Address
    public var validatorIndex: UInt32
    public var signature: Signature

    public init(type: VoteType, height: Height, round: Round, blockID: BlockID?,
                validatorAddress: Address, validatorIndex: UInt32, signature: Signature = .zero) {
        self.type = type
        self.height = height
        self.round = round
        self.blockID = blockID
        self.validatorAddress = validatorAddress
        self.validatorIndex = validatorIndex
        self.signature = signature
    }

    /// The canonical bytes a validator signs for this vote.
    public func signBytes(chainID: String) -> [UInt8] {
        Vote.signBytes(chainID: chainID, type: type, height: height, round: round, blockID: blockID)
    }

    public static func signBytes(chainID: String, type: VoteType, height: Height, round: Round, blockID: BlockID?) -> [UInt8] {
        var writer = ByteWriter(capacity: 128)
        writer.writeString(SignDomain.vote)
        writer.writeString(chainID)
        writer.write(type.rawValue)
        writer.write(height)
        writer.write(round)
        writer.write(blockID)
        return writer.bytes
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(type.rawValue)
        writer.write(height)
        writer.write(round)
        writer.write(blockID)
        writer.write(validatorAddress)
        writer.write(validatorIndex)
        writer.write(signature)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let typeOffset = reader.offset
        let rawType = try reader.readUInt8("vote.type")
        guard let type = VoteType(rawValue: rawType) else {
            throw reader.failure(.unknownTag(UInt64(rawType)), "vote.type", at: typeOffset)
        }
        self.type = type
        height = try reader.readUInt64("vote.height")
        round = try reader.readUInt32("vote.round")
        blockID = try reader.readOptional(BlockID.self, "vote.block_id")
        validatorAddress = try reader.readAddress("vote.validator_address")
        validatorIndex = try reader.readUInt32("vote.validator_index")
        signature = try reader.readSignature("vote.signature")
    }
}
