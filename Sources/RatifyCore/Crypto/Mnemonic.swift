import COpenSSL
import CSodium

/// BIP-39 recovery phrases (English list) and how Ratify turns one into an Ed25519 key.
///
/// - Phrase: entropy (16-32 bytes, a multiple of 4) followed by its checksum, the first
///   entropy-bits/32 bits of SHA-256(entropy), read as 11-bit indexes into the word list.
///   `keys add` uses 32 bytes of entropy: 24 words.
/// - BIP-39 seed: PBKDF2-HMAC-SHA512(password: the words joined by single spaces,
///   salt: "mnemonic" + passphrase, 2048 iterations, 64 bytes). Ratify's CLI uses the empty
///   passphrase.
/// - Ed25519 seed: the SLIP-0010 ed25519 master key of that seed, the first 32 bytes of
///   HMAC-SHA512(key: "ed25519 seed", data: BIP-39 seed), with no derivation path. Wallets that
///   derive at a path such as m/44'/...' give a different key from the same words.
public enum Mnemonic {
    public static let entropyBytesForNewKeys = 32
    static let pbkdf2Iterations: Int32 = 2048
    static let wordsAllowed: Set<Int> = [12, 15, 18, 21, 24]

    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case wordCount(Int)
        case unknownWord(position: Int, word: String)
        case checksum

        public var description: String {
            switch self {
            case .wordCount(let count):
                "expected 12, 15, 18, 21 or 24 words, got \(count)"
            case .unknownWord(let position, let word):
                "word \(position) \"\(word.prefix(40))\" is not in the BIP-39 English word list"
            case .checksum:
                "the checksum does not match: a word is wrong or the words are out of order"
            }
        }
    }

    /// The words for `entropy` (16, 20, 24, 28 or 32 bytes).
    public static func words(entropy: [UInt8]) -> [String] {
        precondition([16, 20, 24, 28, 32].contains(entropy.count), "BIP-39 entropy is 16-32 bytes, a multiple of 4")
        let checksumBits = entropy.count / 4
        let checksum = Hash.sha256(entropy).bytes[0]
        var bits: [UInt8] = []
        for byte in entropy {
            for shift in (0..<8).reversed() { bits.append((byte >> UInt8(shift)) & 1) }
        }
        for shift in (8 - checksumBits..<8).reversed() { bits.append((checksum >> UInt8(shift)) & 1) }
        return stride(from: 0, to: bits.count, by: 11).map { (start: Int) -> String in
            let index = bits[start..<start + 11].reduce(0) { (sum: Int, bit: UInt8) in sum << 1 | Int(bit) }
            return englishWords[index]
        }
    }

    /// A fresh phrase from the operating system's randomness.
    public static func generate(entropyBytes: Int = entropyBytesForNewKeys) -> [String] {
        words(entropy: SecureRandom.bytes(count: entropyBytes))
    }

    /// The words of `text`: split on whitespace, lowercased, each checked against the list and
    /// the checksum verified. Returns the entropy they encode.
    public static func entropy(of text: String) throws(Problem) -> [UInt8] {
        let words = normalizedWords(text)
        guard wordsAllowed.contains(words.count) else { throw .wordCount(words.count) }
        var bits: [UInt8] = []
        bits.reserveCapacity(words.count * 11)
        for (offset, word) in words.enumerated() {
            guard let index = wordIndex[word] else { throw .unknownWord(position: offset + 1, word: word) }
            for shift in (0..<11).reversed() { bits.append(UInt8((index >> shift) & 1)) }
        }
        let checksumBits = bits.count / 33
        let entropyBits = bits.count - checksumBits
        let entropy = stride(from: 0, to: entropyBits, by: 8).map { (start: Int) -> UInt8 in
            bits[start..<start + 8].reduce(UInt8(0)) { (byte: UInt8, bit: UInt8) in byte << 1 | bit }
        }
        let expected = Hash.sha256(entropy).bytes[0] >> (8 - checksumBits)
        let given = bits[entropyBits...].reduce(UInt8(0)) { (sum: UInt8, bit: UInt8) in sum << 1 | bit }
        guard expected == given else { throw .checksum }
        return entropy
    }

    /// The phrase as BIP-39 hashes it: lowercase words separated by single spaces (the English
    /// list is ASCII, so NFKD changes nothing).
    public static func normalizedWords(_ text: String) -> [String] {
        text.split(whereSeparator: { $0.isWhitespace }).map { $0.lowercased() }
    }

    /// The 64-byte BIP-39 seed. `words` must already be valid (see `entropy(of:)`).
    public static func seed(words: [String], passphrase: String = "") -> [UInt8] {
        let password = Array(words.joined(separator: " ").utf8)
        // The passphrase is NFKD-normalised by BIP-39; Ratify's CLI only ever uses "", and the
        // test vectors use ASCII, where NFKD is the identity.
        let salt = Array(("mnemonic" + passphrase).utf8)
        var seed = [UInt8](repeating: 0, count: 64)
        let status = password.withUnsafeBytes { passwordBytes in
            salt.withUnsafeBytes { saltBytes in
                seed.withUnsafeMutableBytes { output in
                    PKCS5_PBKDF2_HMAC(
                        passwordBytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(passwordBytes.count),
                        CPointer.bytes(saltBytes), Int32(saltBytes.count), pbkdf2Iterations, EVP_sha512(),
                        Int32(output.count), CPointer.mutableBytes(output))
                }
            }
        }
        // OpenSSL fails only on allocation failure or a null digest, neither of which is input.
        precondition(status == 1, "PKCS5_PBKDF2_HMAC failed")
        return seed
    }

    /// SLIP-0010's ed25519 master secret of a BIP-39 seed: HMAC-SHA512("ed25519 seed", seed)[0..<32].
    public static func ed25519Seed(bip39Seed: [UInt8]) -> Bytes32 {
        Sodium.ensureReady()
        let key = Array("ed25519 seed".utf8)
        var state = crypto_auth_hmacsha512_state()
        var digest = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha512_BYTES))
        key.withUnsafeBytes { keyBytes in
            _ = crypto_auth_hmacsha512_init(&state, CPointer.bytes(keyBytes), keyBytes.count)
        }
        bip39Seed.withUnsafeBytes { data in
            _ = crypto_auth_hmacsha512_update(&state, CPointer.bytes(data), UInt64(data.count))
        }
        digest.withUnsafeMutableBytes { output in
            _ = crypto_auth_hmacsha512_final(&state, CPointer.mutableBytes(output))
        }
        return digest.withUnsafeBytes { Bytes32(unchecked: UnsafeRawBufferPointer(rebasing: $0.prefix(32))) }
    }

    /// The account key a phrase stands for; throws when the phrase is not valid BIP-39.
    public static func keyPair(phrase: String) throws(Problem) -> KeyPair {
        _ = try entropy(of: phrase)
        return keyPair(validWords: normalizedWords(phrase))
    }

    /// The account key of words known to be valid, such as those `generate` returned.
    public static func keyPair(validWords: [String]) -> KeyPair {
        KeyPair(seed: ed25519Seed(bip39Seed: seed(words: validWords)))
    }

    static let wordIndex: [String: Int] = Dictionary(
        uniqueKeysWithValues: englishWords.enumerated().map { ($1, $0) })
}
