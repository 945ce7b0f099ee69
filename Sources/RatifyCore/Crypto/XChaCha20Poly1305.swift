import CSodium

/// Authenticated encryption with associated data: libsodium's
/// `crypto_aead_xchacha20poly1305_ietf`. The 24-byte nonce is large enough to be random.
public enum XChaCha20Poly1305 {
    public static let keyBytes = Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    public static let nonceBytes = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    public static let tagBytes = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)

    /// `plaintext` encrypted, followed by the 16-byte tag that covers it and `additionalData`.
    public static func seal(_ plaintext: [UInt8], additionalData: [UInt8], nonce: [UInt8], key: [UInt8]) -> [UInt8] {
        precondition(nonce.count == nonceBytes && key.count == keyBytes && !plaintext.isEmpty)
        Sodium.ensureReady()
        var output = [UInt8](repeating: 0, count: plaintext.count + tagBytes)
        var outputCount: UInt64 = 0
        output.withUnsafeMutableBytes { out in
            plaintext.withUnsafeBytes { message in
                additionalData.withUnsafeBytes { ad in
                    nonce.withUnsafeBytes { nonceBytes in
                        key.withUnsafeBytes { keyBytes in
                            // Encryption cannot fail for in-range lengths.
                            _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
                                CPointer.mutableBytes(out), &outputCount, CPointer.bytes(message), UInt64(message.count),
                                CPointer.bytes(ad), UInt64(ad.count), nil, CPointer.bytes(nonceBytes), CPointer.bytes(keyBytes))
                        }
                    }
                }
            }
        }
        return output
    }

    /// The plaintext, or nil when the tag does not verify: a wrong key, or a ciphertext,
    /// nonce or associated data that was altered.
    public static func open(_ sealed: [UInt8], additionalData: [UInt8], nonce: [UInt8], key: [UInt8]) -> [UInt8]? {
        guard sealed.count > tagBytes, nonce.count == nonceBytes, key.count == keyBytes else { return nil }
        Sodium.ensureReady()
        var output = [UInt8](repeating: 0, count: sealed.count - tagBytes)
        var outputCount: UInt64 = 0
        let status = output.withUnsafeMutableBytes { out in
            sealed.withUnsafeBytes { cipher in
                additionalData.withUnsafeBytes { ad in
                    nonce.withUnsafeBytes { nonceBytes in
                        key.withUnsafeBytes { keyBytes in
                            crypto_aead_xchacha20poly1305_ietf_decrypt(
                                CPointer.mutableBytes(out), &outputCount, nil, CPointer.bytes(cipher), UInt64(cipher.count),
                                CPointer.bytes(ad), UInt64(ad.count), CPointer.bytes(nonceBytes), CPointer.bytes(keyBytes))
                        }
                    }
                }
            }
        }
        return status == 0 ? output : nil
    }
}
