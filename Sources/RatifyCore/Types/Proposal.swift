/// A proposer's signed PROPOSAL for (height, round) with its valid round `polRound`
/// (Algorithm 1's vr; nil is the paper's -1). The block itself travels beside it; the
/// signature binds the block by its id.
public struct Proposal: Hashable, Sendable, CanonicalCodable {
    public var height: Height
    public var round: Round
    public var polRound: Round?
    public var blockID: BlockID
    public var proposerAddress: Address
    public var signature: Signature

    public init(height: Height, round: Round, polRound: Round?, blockID: BlockID,
                proposerAddress: Address, signature: Signature = .zero) {
        self.height = height
        self.round = round
        self.polRound = polRound
        self.blockID = blockID
        self.proposerAddress = proposerAddress
        self.signature = signature
    }

    public func signBytes(chainID: String) -> [UInt8] {
        var writer = ByteWriter(capacity: 128)
        writer.writeString(SignDomain.proposal)
        writer.writeString(chainID)
        writer.write(height)
        writer.write(round)
        writeOptionalRound(polRound, to: &writer)
        writer.write(blockID)
        return writer.bytes
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(height)
        writer.write(round)
        writeOptionalRound(polRound, to: &writer)
        writer.write(blockID)
        writer.write(proposerAddress)
        writer.write(signature)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        height = try reader.readUInt64("proposal.height")
        round = try reader.readUInt32("proposal.round")
        polRound = try reader.readBool("proposal.pol_round") ? try reader.readUInt32("proposal.pol_round") : nil
        blockID = try BlockID(from: &reader)
        proposerAddress = try reader.readAddress("proposal.proposer_address")
        signature = try reader.readSignature("proposal.signature")
    }
}

private func writeOptionalRound(_ round: Round?, to writer: inout ByteWriter) {
    if let round {
        writer.write(true)
        writer.write(round)
    } else {
        writer.write(false)
    }
}
