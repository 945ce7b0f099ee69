/// An account or validator address: the first 20 bytes of SHA-256 of an Ed25519 public key
/// (as in CometBFT). Ordered lexicographically, which breaks proposer-priority ties.
public struct Address: FixedSizeBytesValue, Comparable {
    public var raw: Bytes20

    public static let zero = Address(raw: .zero)

    public init(raw: Bytes20) { self.raw = raw }

    public init(publicKey: PublicKey) {
        let digest = publicKey.raw.withUnsafeBytes { Hash.sha256($0) }
        self.raw = digest.raw.withUnsafeBytes { Bytes20(unchecked: $0) }
    }

    public static func < (lhs: Address, rhs: Address) -> Bool { lhs.raw < rhs.raw }
}
