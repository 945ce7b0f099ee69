import Testing
@testable import RatifyCore

@Suite("BIP-39 recovery phrases")
struct MnemonicTests {
    @Test("the English word list is the official one: 2048 words whose newline-terminated file has the published SHA-256")
    func wordList() {
        #expect(Mnemonic.englishWords.count == 2048)
        let file = Array((Mnemonic.englishWords.joined(separator: "\n") + "\n").utf8)
        #expect(Hash.sha256(file).hex == "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda")
    }

    @Test("BIP-39 test vectors: zero entropy gives abandon...about and abandon...art, with the published seeds for passphrase TREZOR")
    func standardVectors() throws {
        let twelve = Mnemonic.words(entropy: [UInt8](repeating: 0, count: 16))
        #expect(twelve == Array(repeating: "abandon", count: 11) + ["about"])
        #expect(Hex.encode(Mnemonic.seed(words: twelve, passphrase: "TREZOR"))
                == "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04")
        let twentyFour = Mnemonic.words(entropy: [UInt8](repeating: 0, count: 32))
        #expect(twentyFour == Array(repeating: "abandon", count: 23) + ["art"])
        #expect(Hex.encode(Mnemonic.seed(words: twentyFour, passphrase: "TREZOR"))
                == "bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8")
        #expect(try Mnemonic.entropy(of: twentyFour.joined(separator: " ")) == [UInt8](repeating: 0, count: 32))
    }

    @Test("the Ed25519 seed is SLIP-0010's ed25519 master key: test vector 1, and abandon...about pinned to its key")
    func ed25519Derivation() throws {
        let slip10Seed = Array(0...15).map(UInt8.init)
        #expect(Hex.encode(Mnemonic.ed25519Seed(bip39Seed: slip10Seed).bytes)
                == "2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7")
        // The public key was computed independently (Python's hashlib/hmac, then OpenSSL's Ed25519).
        let pair = try Mnemonic.keyPair(phrase: "  Abandon " + Array(repeating: "abandon", count: 10).joined(separator: "\n") + " about ")
        #expect(Hex.encode(pair.seed) == "560f9f3c94558b6551928bb781cf6092c6b8800b4fc544af2c9444ed126d51aa")
        #expect(pair.publicKey.hex == "e96b1c6b8769fdb0b34fbecfdf85c33b053cecad9517e1ab88cba614335775c1")
    }

    @Test("a wrong word count, a word not in the list and a bad checksum are refused, naming the problem")
    func badPhrases() {
        #expect(throws: Mnemonic.Problem.wordCount(11)) { try Mnemonic.entropy(of: Array(repeating: "abandon", count: 11).joined(separator: " ")) }
        #expect(throws: Mnemonic.Problem.unknownWord(position: 3, word: "abandonn")) {
            try Mnemonic.entropy(of: "abandon abandon abandonn" + String(repeating: " abandon", count: 8) + " about")
        }
        // Twelve "abandon"s: valid words, but the last one's checksum bits are wrong.
        #expect(throws: Mnemonic.Problem.checksum) { try Mnemonic.entropy(of: Array(repeating: "abandon", count: 12).joined(separator: " ")) }
        #expect(Mnemonic.Problem.checksum.description.contains("checksum"))
    }

    @Test("generated phrases are 24 words that decode to 32 bytes of entropy, fresh each time")
    func generated() throws {
        let first = Mnemonic.generate(), second = Mnemonic.generate()
        #expect(first.count == 24)
        #expect(first != second)
        #expect(try Mnemonic.entropy(of: first.joined(separator: " ")).count == 32)
    }
}
