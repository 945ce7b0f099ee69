import CSodium

/// An Ed25519 public key (32 bytes). Validator consensus keys, node keys and account keys.
public struct PublicKey: FixedSizeBytesValue, Comparable {
    public var raw: Bytes32

    public init(raw: Bytes32) { self.raw = raw }

    /// The first 20 bytes of SHA-256 of the key.
    public var address: Address { Address(publicKey: self) }

    public static func < (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.raw < rhs.raw }

    /// Verifies a detached signature over `message`. Checks that run on every vote and
    /// transaction use this buffer form so that no copy is made.
    public func verify(_ signature: Signature, message: UnsafeRawBufferPointer) -> Bool {
        Sodium.ensureReady()
        return raw.withUnsafeBytes { key in
            signature.raw.withUnsafeBytes { sig in
                crypto_sign_verify_detached(
                    CPointer.bytes(sig),
                    CPointer.bytes(message),
                    UInt64(message.count),
                    CPointer.bytes(key)) == 0
            }
        }
    }

    public func verify(_ signature: Signature, message: [UInt8]) -> Bool {
        message.withUnsafeBytes { verify(signature, message: $0) }
    }
}

/// An Ed25519 signature (64 bytes).
public struct Signature: FixedSizeBytesValue {
    public var raw: Bytes64

    public static let zero = Signature(raw: .zero)

    public init(raw: Bytes64) { self.raw = raw }

}

/// An Ed25519 key pair. The secret half never appears in `description`, logs or errors;
/// it leaves the value only through `seed`, which callers write to 0600 key files.
public struct KeyPair: Sendable, CustomStringConvertible {
    public let publicKey: PublicKey
    /// libsodium's 64-byte secret key: the 32-byte seed followed by the public key.
    private let secretKey: Bytes64

    /// Derives the key pair from a 32-byte seed (RFC 8032's "private key").
    public init?(seed: some Collection<UInt8>) {
        guard let seedBytes = Bytes32(seed) else { return nil }
        Sodium.ensureReady()
        var publicRaw = Bytes32.zero
        var secretRaw = Bytes64.zero
        let status = withUnsafeMutableBytes(of: &publicRaw) { pk in
            withUnsafeMutableBytes(of: &secretRaw) { sk in
                seedBytes.withUnsafeBytes { s in
                    crypto_sign_seed_keypair(
                        CPointer.mutableBytes(pk),
                        CPointer.mutableBytes(sk),
                        CPointer.bytes(s))
                }
            }
        }
        guard status == 0 else { return nil }
        self.publicKey = PublicKey(raw: publicRaw)
        self.secretKey = secretRaw
    }

    /// A fresh key pair from the operating system's secure random source.
    public static func generate() -> KeyPair {
        let seed = SecureRandom.bytes(count: 32)
        guard let pair = KeyPair(seed: seed) else {
            preconditionFailure("crypto_sign_seed_keypair failed on a 32-byte seed")
        }
        return pair
    }

    /// The 32-byte seed, from which the whole pair can be rebuilt. Handle as a secret.
    public var seed: [UInt8] { Array(secretKey.bytes.prefix(32)) }

    public func sign(_ message: UnsafeRawBufferPointer) -> Signature {
        var signature = Bytes64.zero
        withUnsafeMutableBytes(of: &signature) { sig in
            secretKey.withUnsafeBytes { sk in
                _ = crypto_sign_detached(
                    CPointer.mutableBytes(sig), nil,
                    CPointer.bytes(message), UInt64(message.count),
                    CPointer.bytes(sk))
            }
        }
        return Signature(raw: signature)
    }

    public func sign(_ message: [UInt8]) -> Signature {
        message.withUnsafeBytes { sign($0) }
    }

    public var description: String { "KeyPair(public: \(publicKey.hex), secret: <redacted>)" }
}
