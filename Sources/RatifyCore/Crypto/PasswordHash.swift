import CSodium

/// Argon2id (libsodium's `crypto_pwhash`, algorithm ARGON2ID13): turns a passphrase and a
/// random salt into a 32-byte encryption key, slowly enough that guessing passphrases offline
/// is expensive.
public enum PasswordHash {
    public static let saltBytes = Int(crypto_pwhash_argon2id_SALTBYTES)
    public static let keyBytes = 32

    /// Argon2id's work factors. Written into every encrypted key file, so a file says how to
    /// open it and a stronger default later does not orphan old files.
    public struct Cost: Sendable, Equatable {
        public var opsLimit: UInt64
        public var memLimitBytes: UInt64

        public init(opsLimit: UInt64, memLimitBytes: UInt64) {
            self.opsLimit = opsLimit
            self.memLimitBytes = memLimitBytes
        }

        /// What new keys use: 3 passes over 64 MiB (libsodium's MODERATE pass count with its
        /// INTERACTIVE memory), about 0.1-0.3 s on one core: slow for a guesser, quick enough
        /// to sign a transaction. Every key the keyring writes uses it; no caller can weaken it.
        public static let standard = Cost(opsLimit: 3, memLimitBytes: 64 * 1024 * 1024)

        /// Bounds on what a file may ask for: a hand-edited file cannot make opening it take
        /// unbounded memory or time.
        public static let opsLimitRange: ClosedRange<UInt64> = UInt64(crypto_pwhash_argon2id_OPSLIMIT_MIN)...16
        public static let memLimitBytesRange: ClosedRange<UInt64> = UInt64(crypto_pwhash_argon2id_MEMLIMIT_MIN)...(1024 * 1024 * 1024)

        public var isWithinBounds: Bool {
            Self.opsLimitRange.contains(opsLimit) && Self.memLimitBytesRange.contains(memLimitBytes)
        }
    }

    /// The key for `passphrase` and `salt`, or nil when libsodium cannot allocate the memory
    /// the cost asks for.
    public static func deriveKey(passphrase: String, salt: [UInt8], cost: Cost) -> [UInt8]? {
        precondition(salt.count == saltBytes && cost.isWithinBounds, "callers check the salt length and the cost bounds")
        Sodium.ensureReady()
        let password = Array(passphrase.utf8)
        var key = [UInt8](repeating: 0, count: keyBytes)
        let status = key.withUnsafeMutableBytes { output in
            password.withUnsafeBytes { passwordBytes in
                salt.withUnsafeBytes { saltBytes in
                    crypto_pwhash(
                        CPointer.mutableBytes(output), UInt64(output.count),
                        UnsafeRawPointer(CPointer.bytes(passwordBytes)).assumingMemoryBound(to: CChar.self),
                        UInt64(passwordBytes.count), CPointer.bytes(saltBytes),
                        cost.opsLimit, Int(cost.memLimitBytes), crypto_pwhash_argon2id_ALG_ARGON2ID13)
                }
            }
        }
        return status == 0 ? key : nil
    }
}
