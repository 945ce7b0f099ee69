/// A validator in the genesis set. Its voting power is `stake / staking.power_unit`.
public struct GenesisValidator: Hashable, Sendable, CanonicalEncodable {
    /// A human label (moniker) for logs and dashboards; unique within the genesis.
    public var name: String
    /// The Ed25519 consensus key that signs votes.
    public var publicKey: PublicKey
    /// Bonded stake in the smallest unit.
    public var stake: UInt64

    public init(name: String, publicKey: PublicKey, stake: UInt64) {
        self.name = name
        self.publicKey = publicKey
        self.stake = stake
    }

    public var address: Address { publicKey.address }

    public func encode(to writer: inout ByteWriter) {
        writer.writeString(name)
        writer.write(publicKey)
        writer.write(stake)
    }
}
