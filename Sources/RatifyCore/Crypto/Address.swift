/// An account or validator address: the first 20 bytes of SHA-256 of an Ed25519 public key
/// (as in CometBFT). Ordered lexicographically, which breaks proposer-priority ties.
public struct Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var raw: Bytes20

    public static let zero = Address(raw: .zero)

    public init(raw: Bytes20) { self.raw = raw }

    public init?(_ bytes: some Collection<UInt8>) {
        guard let raw = Bytes20(bytes) else { return nil }
        self.raw = raw
    }

    public init?(hex: some StringProtocol) {
        guard let bytes = Hex.decode(hex), let raw = Bytes20(bytes) else { return nil }
        self.raw = raw
    }

    public init(publicKey: PublicKey) {
        let digest = publicKey.raw.withUnsafeBytes { Hash.sha256($0) }
        self.raw = digest.raw.withUnsafeBytes { Bytes20(unchecked: $0) }
    }

    public var bytes: [UInt8] { raw.bytes }
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    public static func < (lhs: Address, rhs: Address) -> Bool { lhs.raw < rhs.raw }
}
