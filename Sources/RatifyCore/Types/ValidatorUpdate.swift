/// A change to a validator set, as the application returns it at the end of a block
/// (CometBFT's ABCI `ValidatorUpdate`): a positive power adds the validator or sets its
/// power and key, a power of 0 removes it. Priorities are never part of an update; the set
/// assigns them (see `ValidatorSet.updating(with:)`).
public struct ValidatorUpdate: Hashable, Sendable, CustomStringConvertible {
    public var address: Address
    public var publicKey: PublicKey
    public var votingPower: Int64

    public init(address: Address, publicKey: PublicKey, votingPower: Int64) {
        self.address = address
        self.publicKey = publicKey
        self.votingPower = votingPower
    }

    /// An update whose address is derived from the key, as on a real chain.
    public init(publicKey: PublicKey, votingPower: Int64) {
        self.init(address: publicKey.address, publicKey: publicKey, votingPower: votingPower)
    }

    /// The removal of the validator at `address`.
    public static func removal(of address: Address) -> ValidatorUpdate {
        ValidatorUpdate(address: address, publicKey: PublicKey(raw: .zero), votingPower: 0)
    }

    public var description: String { "ValidatorUpdate(\(address.hex), power: \(votingPower))" }
}
