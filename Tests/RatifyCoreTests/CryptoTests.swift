import Testing
@testable import RatifyCore

@Suite("crypto")
struct CryptoTests {
    /// RFC 8032 section 7.1, tests 1 to 3: (seed, public key, message, signature).
    static let rfc8032Vectors: [(String, String, String, String)] = [
        ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
         "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
         "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
         "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
    ]

    @Test("Ed25519 reproduces the RFC 8032 section 7.1 test vectors byte for byte")
    func rfc8032() throws {
        for (seedHex, publicHex, messageHex, signatureHex) in Self.rfc8032Vectors {
            let seed = try #require(Hex.decode(seedHex))
            let pair = try #require(KeyPair(seed: seed))
            #expect(pair.publicKey.hex == publicHex)
            let message = try #require(Hex.decode(messageHex))
            let signature = pair.sign(message)
            #expect(signature.hex == signatureHex)
            #expect(pair.publicKey.verify(signature, message: message))
            #expect(pair.seed == Hex.decode(seedHex))
        }
    }

    @Test("verification fails for a changed message, a changed signature and another key")
    func verificationRejectsTampering() throws {
        let pair = KeyPair.generate()
        let other = KeyPair.generate()
        let message: [UInt8] = Array("ratify".utf8)
        let signature = pair.sign(message)
        #expect(pair.publicKey.verify(signature, message: message))
        #expect(!pair.publicKey.verify(signature, message: message + [0]))
        var flipped = signature.bytes
        flipped[10] ^= 0x01
        #expect(!pair.publicKey.verify(try #require(Signature(flipped)), message: message))
        #expect(!other.publicKey.verify(signature, message: message))
    }

    @Test("generated keys differ, and a key pair's description never shows the secret")
    func secretsStayHidden() {
        let first = KeyPair.generate()
        let second = KeyPair.generate()
        #expect(first.publicKey != second.publicKey)
        let text = "\(first) \(String(describing: first)) \(String(reflecting: first))"
        #expect(!text.contains(Hex.encode(first.seed)))
        #expect(text.contains("redacted"))
    }

    @Test("SHA-256 matches the FIPS 180-2 examples")
    func sha256() {
        #expect(Hash.sha256(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hash.sha256([]).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(Hash.sha256(long).hex == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // One million "a": many blocks in one update.
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(Hash.sha256(million).hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // A slice that does not start at its base hashes only its own bytes.
        let framed = [UInt8(0xff)] + Array("abc".utf8) + [UInt8(0xff)]
        #expect(Hash.sha256(framed[1..<4]).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("an address is the first 20 bytes of SHA-256 of the public key")
    func address() throws {
        let pair = KeyPair.generate()
        let digest = Hash.sha256(pair.publicKey.bytes)
        #expect(pair.publicKey.address.bytes == Array(digest.bytes.prefix(20)))
        #expect(Address(hex: pair.publicKey.address.hex) == pair.publicKey.address)
        #expect(Address(hex: "00") == nil)
    }

    @Test("fixed-size bytes order lexicographically")
    func ordering() throws {
        let low = try #require(Address([0x00] + [UInt8](repeating: 0xff, count: 19)))
        let high = try #require(Address([0x01] + [UInt8](repeating: 0x00, count: 19)))
        #expect(low < high)
        let lastByteLow = try #require(Hash([UInt8](repeating: 7, count: 31) + [1]))
        let lastByteHigh = try #require(Hash([UInt8](repeating: 7, count: 31) + [2]))
        #expect(lastByteLow < lastByteHigh)
    }

    @Test("secure random bytes are not constant")
    func randomness() {
        let first = SecureRandom.bytes(count: 32)
        let second = SecureRandom.bytes(count: 32)
        #expect(first.count == 32)
        #expect(first != second)
    }

    @Test("the Merkle root separates leaves from inner nodes and depends on order")
    func merkle() {
        let a = Hash.sha256([1]), b = Hash.sha256([2]), c = Hash.sha256([3])
        #expect(MerkleTree.root(leaves: []) == Hash.sha256([]))
        #expect(MerkleTree.root(leaves: [a]) != a)
        #expect(MerkleTree.root(leaves: [a, b]) != MerkleTree.root(leaves: [b, a]))
        #expect(MerkleTree.root(leaves: [a, b, c]) != MerkleTree.root(leaves: [a, b]))
    }
}
