import CSodium
import RatifyCore

/// ChaCha20-Poly1305 (IETF, libsodium) for one direction of one session. The 96-bit nonce is
/// four zero bytes and a 64-bit little-endian counter that starts at 0 and only goes up, so a
/// nonce is never reused under a key; when the counter reaches `nonceLimit` the cipher refuses
/// to seal and the session must end.
public struct FrameCipher: Sendable {
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case badMAC
        case tooShort(bytes: Int)
        case nonceExhausted

        public var description: String {
            switch self {
            case .badMAC: "frame failed authentication (bad MAC)"
            case .tooShort(let bytes): "sealed frame of \(bytes) bytes is shorter than its tag"
            case .nonceExhausted: "nonce counter exhausted; the session must be re-established"
            }
        }
    }

    private let key: Bytes32
    public private(set) var counter: UInt64
    public let nonceLimit: UInt64

    public init(key: Bytes32, counter: UInt64 = 0, nonceLimit: UInt64 = .max) {
        self.key = key
        self.counter = counter
        self.nonceLimit = nonceLimit
    }

    /// Seals `plaintext` into `output` (plaintext.count + 16 bytes) with the next counter.
    public mutating func seal(_ plaintext: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
                              into output: UnsafeMutableRawBufferPointer) throws(Failure) {
        guard counter < nonceLimit else { throw .nonceExhausted }
        precondition(output.count == plaintext.count + NetLimits.tagBytes, "seal output sized by the caller")
        FrameCipher.seal(key: key, counter: counter, plaintext, aad: aad, into: output)
        counter += 1
    }

    /// Opens a sealed frame into `output` (sealed.count - 16 bytes) with the next counter.
    public mutating func open(_ sealed: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
                              into output: UnsafeMutableRawBufferPointer) throws(Failure) {
        guard counter < nonceLimit else { throw .nonceExhausted }
        try FrameCipher.open(key: key, counter: counter, sealed, aad: aad, into: output)
        counter += 1
    }

    public mutating func seal(_ plaintext: [UInt8], aad: [UInt8] = []) throws(Failure) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: plaintext.count + NetLimits.tagBytes)
        let result = output.withUnsafeMutableBytes { out in
            plaintext.withUnsafeBytes { input in
                aad.withUnsafeBytes { ad in
                    Result { () throws(Failure) in try seal(input, aad: ad, into: out) }
                }
            }
        }
        try result.get()
        return output
    }

    public mutating func open(_ sealed: [UInt8], aad: [UInt8] = []) throws(Failure) -> [UInt8] {
        guard sealed.count >= NetLimits.tagBytes else { throw .tooShort(bytes: sealed.count) }
        var output = [UInt8](repeating: 0, count: sealed.count - NetLimits.tagBytes)
        let result = output.withUnsafeMutableBytes { out in
            sealed.withUnsafeBytes { input in
                aad.withUnsafeBytes { ad in
                    Result { () throws(Failure) in try open(input, aad: ad, into: out) }
                }
            }
        }
        try result.get()
        return output
    }

    /// The stateless primitive, also used by UDP datagrams whose counter travels in the clear.
    static func seal(key: Bytes32, counter: UInt64, _ plaintext: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
                     into output: UnsafeMutableRawBufferPointer) {
        SodiumPointer.ensureReady()
        let nonce = nonceBytes(counter)
        withUnsafeBytes(of: nonce) { npub in
            key.withUnsafeBytes { k in
                let body = SodiumPointer.base(output)
                _ = crypto_aead_chacha20poly1305_ietf_encrypt_detached(
                    body, body + plaintext.count, nil,
                    SodiumPointer.base(plaintext), UInt64(plaintext.count),
                    SodiumPointer.base(aad), UInt64(aad.count), nil,
                    SodiumPointer.base(npub), SodiumPointer.base(k))
            }
        }
    }

    static func open(key: Bytes32, counter: UInt64, _ sealed: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
                     into output: UnsafeMutableRawBufferPointer) throws(Failure) {
        guard sealed.count >= NetLimits.tagBytes else { throw .tooShort(bytes: sealed.count) }
        let bodyCount = sealed.count - NetLimits.tagBytes
        precondition(output.count == bodyCount, "open output sized by the caller")
        SodiumPointer.ensureReady()
        let nonce = nonceBytes(counter)
        let status = withUnsafeBytes(of: nonce) { npub in
            key.withUnsafeBytes { k in
                let input = SodiumPointer.base(sealed)
                return crypto_aead_chacha20poly1305_ietf_decrypt_detached(
                    SodiumPointer.base(output), nil,
                    input, UInt64(bodyCount), input + bodyCount,
                    SodiumPointer.base(aad), UInt64(aad.count),
                    SodiumPointer.base(npub), SodiumPointer.base(k))
            }
        }
        guard status == 0 else { throw .badMAC }
    }

    /// 4 zero bytes, then the counter little-endian (as WireGuard lays out its nonce).
    /// Three 32-bit words keep the 12 bytes contiguous with no padding.
    static func nonceBytes(_ counter: UInt64) -> (UInt32, UInt32, UInt32) {
        (0, UInt32(truncatingIfNeeded: counter).littleEndian, UInt32(truncatingIfNeeded: counter >> 32).littleEndian)
    }
}
