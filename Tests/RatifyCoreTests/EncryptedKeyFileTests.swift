import Testing
@testable import RatifyCore

@Suite("encrypted key files")
struct EncryptedKeyFileTests {
    static let pair = KeyPair(seed: Bytes32.zero)

    @Test("a sealed key opens with its passphrase to the same key; the file text holds no seed and reads back equal")
    func roundTrip() throws {
        let sealed = try #require(EncryptedKeyFile.seal(Self.pair, passphrase: "correct horse"))
        #expect(sealed.cost == .standard)
        let opened = try sealed.open(passphrase: "correct horse")
        #expect(opened.publicKey == Self.pair.publicKey)
        #expect(opened.sign([1, 2, 3]) == Self.pair.sign([1, 2, 3]))
        let text = sealed.text
        #expect(!text.contains(Hex.encode(Self.pair.seed)))
        let decoded = try EncryptedKeyFile.decode(JSONField(JSONParser.parse(Array(text.utf8), file: "k.json"), file: "k.json"))
        #expect(decoded == sealed)
        #expect(throws: EncryptedKeyFile.OpenFailure.wrongPassphraseOrAltered) { try sealed.open(passphrase: "correct horsf") }
    }

    @Test("changing the public key, the cost or one ciphertext byte makes the file refuse to open")
    func tamperIsCaught() throws {
        let sealed = try #require(EncryptedKeyFile.seal(Self.pair, passphrase: "correct horse"))
        var otherKey = sealed
        otherKey.publicKey = KeyPair(seed: Bytes32(w0: 1, w1: 0, w2: 0, w3: 0)).publicKey
        var cheaper = sealed
        cheaper.cost.opsLimit = 2
        var flipped = sealed
        flipped.ciphertext[0] ^= 1
        for altered in [otherKey, cheaper, flipped] {
            #expect(throws: EncryptedKeyFile.OpenFailure.wrongPassphraseOrAltered) { try altered.open(passphrase: "correct horse") }
        }
    }

    @Test("out-of-bounds costs, an unknown version and a short ciphertext are decode errors naming the field")
    func decodeErrors() throws {
        let text = try #require(EncryptedKeyFile.seal(Self.pair, passphrase: "correct horse")).text
        func problem(_ edited: String) -> String {
            do {
                _ = try EncryptedKeyFile.decode(JSONField(JSONParser.parse(Array(edited.utf8), file: "k.json"), file: "k.json"))
                return "decoded"
            } catch { return error.description }
        }
        #expect(problem(text.replacingOccurrences(of: "\"kdf_mem_limit_bytes\": 67108864", with: "\"kdf_mem_limit_bytes\": 68719476736"))
                == "k.json: kdf_mem_limit_bytes: expected 8192-1073741824")
        #expect(problem(text.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2")).hasPrefix("k.json: version: version 2 is not supported"))
        let ciphertext = try #require(text.components(separatedBy: "\"ciphertext\": \"").last?.prefix(96))
        #expect(problem(text.replacingOccurrences(of: String(ciphertext), with: String(ciphertext.dropLast(2))))
                == "k.json: ciphertext: expected 48 bytes, got 47")
    }
}
