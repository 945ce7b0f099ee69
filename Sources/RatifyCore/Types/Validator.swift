/// One member of a validator set: who it is, the key its votes are checked with, the stake
/// its votes weigh, and its place in the proposer queue.
///
/// `proposerPriority` is the volatile part (CometBFT's `ProposerPriority`): it changes every
/// round and is left out of `ValidatorSet.hash`, so headers commit to who validates and with
/// what weight, not to whose turn it is.
public struct Validator: Hashable, Sendable, CustomStringConvertible {
    public var address: Address
    public var publicKey: PublicKey
    public var votingPower: Int64
    public var proposerPriority: Int64

    public init(address: Address, publicKey: PublicKey, votingPower: Int64, proposerPriority: Int64 = 0) {
        self.address = address
        self.publicKey = publicKey
        self.votingPower = votingPower
        self.proposerPriority = proposerPriority
    }

    /// A validator whose address is derived from its key, as every validator on a real chain is.
    public init(publicKey: PublicKey, votingPower: Int64) {
        self.init(address: publicKey.address, publicKey: publicKey, votingPower: votingPower)
    }

    public var description: String {
        "Validator(\(address.hex), power: \(votingPower), priority: \(proposerPriority))"
    }

    /// Voting-power-descending, then address-ascending: the order of `ValidatorSet.validators`
    /// (CometBFT's `ValidatorsByVotingPower`). Indices in this order are what votes and commits
    /// refer to, so every node must sort identically.
    @inline(__always)
    static func precedesInSetOrder(_ lhs: Validator, _ rhs: Validator) -> Bool {
        if lhs.votingPower != rhs.votingPower { return lhs.votingPower > rhs.votingPower }
        return lhs.address < rhs.address
    }
}

extension Validator: CanonicalCodable {
    /// Address, public key, voting power, proposer priority: 68 bytes.
    public static let encodedBytes = Bytes20.count + Bytes32.count + 8 + 8

    public func encode(to writer: inout ByteWriter) {
        writer.write(address)
        writer.write(publicKey)
        writer.write(votingPower)
        writer.write(proposerPriority)
    }

    /// Rejects a voting power outside `1...ValidatorSet.totalVotingPowerMax`: a member of a
    /// set always has positive power (power 0 means removal), and no single power may exceed
    /// the cap the whole set is held to.
    public init(from reader: inout ByteReader) throws(DecodeError) {
        let address = try reader.readAddress("Validator.address")
        let publicKey = try reader.readPublicKey("Validator.publicKey")
        let powerOffset = reader.offset
        let votingPower = try reader.readInt64("Validator.votingPower")
        guard votingPower > 0, votingPower <= ValidatorSet.totalVotingPowerMax else {
            throw reader.failure(
                .invalid("voting power \(votingPower) is outside 1...\(ValidatorSet.totalVotingPowerMax)"),
                "Validator.votingPower", at: powerOffset)
        }
        let proposerPriority = try reader.readInt64("Validator.proposerPriority")
        self.init(address: address, publicKey: publicKey, votingPower: votingPower, proposerPriority: proposerPriority)
    }
}
