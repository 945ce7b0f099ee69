import RatifyCore
import RatifyStore

/// What a node asks its remote signer: the unsigned vote, proposal or hybrid checkpoint vote,
/// never bare bytes. The signer builds the sign bytes itself, for the chain id it is
/// configured with, so a node cannot make it sign anything but a consensus message of its
/// chain. Encoded as a tag (1 vote, 2 proposal, 3 checkpoint vote), the chain id, then the
/// message's canonical bytes (a checkpoint vote's with a zero signature). A signer that does
/// not know a tag answers `refused`, so a kind added later fails one request, not the link.
public enum SignerRequest: Sendable, Equatable, CanonicalCodable {
    case vote(chainID: String, vote: Vote)
    case proposal(chainID: String, proposal: Proposal)
    case checkpointVote(chainID: String, vote: CheckpointVote)

    public var chainID: String {
        switch self {
        case .vote(let chainID, _), .proposal(let chainID, _), .checkpointVote(let chainID, _): chainID
        }
    }

    /// Where in consensus the signature is for; nil for a checkpoint vote, which is guarded by
    /// its epochs instead.
    public var position: SignPosition? {
        switch self {
        case .vote(_, let vote): SignPosition(height: vote.height, round: vote.round, step: SignStep(vote.type))
        case .proposal(_, let proposal): SignPosition(height: proposal.height, round: proposal.round, step: .proposal)
        case .checkpointVote: nil
        }
    }

    /// What is asked for, for logs.
    public var summary: String {
        switch self {
        case .vote, .proposal: position.map { "\($0)" } ?? ""
        case .checkpointVote(_, let vote): "checkpoint vote \(vote.source.epoch)->\(vote.target.epoch) (target \(vote.target))"
        }
    }

    /// The bytes a validator signs for this request on `chainID`.
    public func signBytes(chainID: String) -> [UInt8] {
        switch self {
        case .vote(_, let vote): vote.signBytes(chainID: chainID)
        case .proposal(_, let proposal): proposal.signBytes(chainID: chainID)
        case .checkpointVote(_, let vote): vote.signBytes(chainID: chainID)
        }
    }

    /// The address the message names as its signer.
    public var signerAddress: Address {
        switch self {
        case .vote(_, let vote): vote.validatorAddress
        case .proposal(_, let proposal): proposal.proposerAddress
        case .checkpointVote(_, let vote): vote.validatorAddress
        }
    }

    public func encode(to writer: inout ByteWriter) {
        switch self {
        case .vote(let chainID, let vote):
            writer.write(UInt8(1))
            writer.writeString(chainID)
            writer.write(vote)
        case .proposal(let chainID, let proposal):
            writer.write(UInt8(2))
            writer.writeString(chainID)
            writer.write(proposal)
        case .checkpointVote(let chainID, var vote):
            vote.signature = .zero
            writer.write(UInt8(3))
            writer.writeString(chainID)
            writer.write(vote)
        }
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let tagOffset = reader.offset
        let tag = try reader.readUInt8("SignerRequest.tag")
        let chainID = try reader.readString(max: CodecLimits.chainIDBytesMax, "SignerRequest.chain_id")
        switch tag {
        case 1: self = .vote(chainID: chainID, vote: try reader.read(Vote.self))
        case 2: self = .proposal(chainID: chainID, proposal: try reader.read(Proposal.self))
        case 3: self = .checkpointVote(chainID: chainID, vote: try reader.read(CheckpointVote.self))
        default: throw reader.failure(.unknownTag(UInt64(tag)), "SignerRequest.tag", at: tagOffset)
        }
    }
}

/// The signer's answer: the signature (durable in the signer's state before it was sent), or
/// why it refused, in one line. Encoded as a tag (1 signature, 2 refusal), then the value.
public enum SignerResponse: Sendable, Equatable, CanonicalCodable {
    case signature(Signature)
    case refused(String)

    static let reasonBytesMax = 1_024

    public func encode(to writer: inout ByteWriter) {
        switch self {
        case .signature(let signature):
            writer.write(UInt8(1))
            writer.write(signature)
        case .refused(let reason):
            writer.write(UInt8(2))
            // Room for a replacement character where the cut splits one.
            writer.writeString(String(decoding: reason.utf8.prefix(Self.reasonBytesMax - 3), as: UTF8.self))
        }
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let tagOffset = reader.offset
        switch try reader.readUInt8("SignerResponse.tag") {
        case 1: self = .signature(try reader.readSignature("SignerResponse.signature"))
        case 2: self = .refused(try reader.readString(max: Self.reasonBytesMax, "SignerResponse.reason"))
        case let tag: throw reader.failure(.unknownTag(UInt64(tag)), "SignerResponse.tag", at: tagOffset)
        }
    }
}
