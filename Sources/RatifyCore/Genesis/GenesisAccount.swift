/// An account funded at genesis.
public struct GenesisAccount: Hashable, Sendable, CanonicalEncodable {
    public var address: Address
    /// Spendable balance in the smallest unit.
    public var balance: UInt64

    public init(address: Address, balance: UInt64) {
        self.address = address
        self.balance = balance
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(address)
        writer.write(balance)
    }
}
