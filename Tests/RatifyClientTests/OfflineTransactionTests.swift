import Foundation
import RatifyTestSupport
import Testing
import RatifyCore
@testable import RatifyClient

/// `--generate-only`, `tx sign` and the file between them, against docs/CODEC.md's worked example.
@Suite("offline signing")
struct OfflineTransactionTests {
    /// docs/CODEC.md, "Worked example": the test key 01 x 32 self-stakes 2,000,000 as "alice".
    static let signBytesHex = "0000000c7261746966792f74782f76310000000f7261746966792d6c6f63616c6e65748a88e3dd7409f195fd52db2d3cba5d72"
        + "ca6709bf1d94121bf3748801b40f6f5c00000000000000000000000000000001028a88e3dd7409f195fd52db2d3cba5d72ca67"
        + "09bf1d94121bf3748801b40f6f5c00000000001e848000000005616c696365"
    static let signatureHex = "a7626cc2aec84fb9722bfef75f209e713df0ca2bf3e8ef0cd2584cb1bed6a85a9a040e3f715d96a417b75df111d5e5b33dab63b12a05a1c3dc954d89dc05c403"
    static let seedHex = String(repeating: "01", count: 32)
    /// Nothing listens here: every step below must work without a node.
    static let deadNode = "http://127.0.0.1:1"

    static func generate(_ keyring: Keyring, nonce: String = "0") async throws -> Transaction {
        try await TransactionRequest(kind: .stake(validator: "alice", amount: "2000000", name: "alice"), from: "alice",
                                     keyringDirectory: keyring.directory, keyringBackend: keyring.backend, node: deadNode,
                                     fee: "1", nonce: nonce, chainID: "ratify-localnet").generate()
    }

    @Test("generate-only, then sign with a plaintext or an encrypted key, gives CODEC.md's sign bytes, signature and encoding without a node")
    func workedExample() async throws {
        let directory = try TemporaryDirectory()
        let plain = Keyring(directory: directory.path + "/test", backend: .test)
        let sealed = Keyring(directory: directory.path + "/file", backend: .file, passphrase: .given("offline passphrase"))
        for keyring in [plain, sealed] {
            try keyring.importSeed("alice", seedHex: Self.seedHex)
            let unsigned = try await Self.generate(keyring)
            #expect(Hex.encode(unsigned.signBytes) == Self.signBytesHex)
            let file = try directory.write("\(keyring.backend).unsigned.json", JSONWriter.pretty(OfflineTransaction.json(unsigned, signed: false)))
            #expect(try OfflineTransaction.read(from: file).signed == false)

            let signed = try TransactionRequest.sign(file: file, from: "alice", keyring: keyring, chainID: "ratify-localnet", nonce: "0")
            #expect(signed.signature.hex == Self.signatureHex)
            // The encoding is the sign bytes without the 16-byte tag, then the signature (181 bytes).
            #expect(Hex.encode(signed.canonicalBytes) == String(Self.signBytesHex.dropFirst(32)) + Self.signatureHex)
            let signedFile = try directory.write("\(keyring.backend).signed.json", JSONWriter.pretty(OfflineTransaction.json(signed, signed: true)))
            let reread = try OfflineTransaction.read(from: signedFile)
            #expect(reread.signed && reread.transaction == signed)
        }
    }

    @Test("sign refuses a different chain id, nonce or key, an edited field and an already signed file; broadcast refuses an unsigned one")
    func refusals() async throws {
        let directory = try TemporaryDirectory()
        let keyring = Keyring(directory: directory.path + "/k", backend: .test)
        try keyring.importSeed("alice", seedHex: Self.seedHex)
        try keyring.add("bob")
        let text = JSONWriter.pretty(OfflineTransaction.json(try await Self.generate(keyring), signed: false))
        let file = try directory.write("unsigned.json", text)
        func signError(_ file: String, from: String = "alice", chainID: String = "ratify-localnet", nonce: String = "0") -> String {
            do {
                _ = try TransactionRequest.sign(file: file, from: from, keyring: keyring, chainID: chainID, nonce: nonce)
                return "signed"
            } catch { return error.description }
        }
        #expect(signError(file, chainID: "other") == "--chain-id: the file is for chain \"ratify-localnet\", not \"other\"; nothing was signed")
        #expect(signError(file, nonce: "1") == "--nonce: the file has nonce 0, not 1; nothing was signed")
        #expect(signError(file, from: "bob").hasPrefix("--from: key \"bob\" is "))
        let edited = try directory.write("edited.json", text.replacingOccurrences(of: "\"amount\": \"2000000\"", with: "\"amount\": \"2000001\""))
        #expect(signError(edited) == "\(edited): payload: does not match the transaction's bytes (expected an object); the file was edited: generate it again")
        #expect(signError(directory.path + "/missing.json").hasPrefix(directory.path + "/missing.json: cannot read"))

        let signed = try TransactionRequest.sign(file: file, from: "alice", keyring: keyring, chainID: "ratify-localnet", nonce: "0")
        let signedFile = try directory.write("signed.json", JSONWriter.pretty(OfflineTransaction.json(signed, signed: true)))
        #expect(signError(signedFile) == "\(signedFile): already signed; submit it with `ratify tx broadcast \(signedFile)`")
        do {
            _ = try TransactionRequest.signed(file: file)
            Issue.record("an unsigned file must not be broadcast")
        } catch {
            #expect(error.description.hasPrefix("\(file): not signed; sign it first"))
        }
        // A forged signature is caught when the file is read, before any network use.
        let forged = try directory.write("forged.json", JSONWriter.pretty(OfflineTransaction.json(signed, signed: true))
            .replacingOccurrences(of: Self.signatureHex, with: String(Self.signatureHex.dropLast(2)) + "00"))
        #expect(signError(forged).hasPrefix("\(forged): tx: the signature does not verify"))
    }
}

@Suite("the summary before broadcasting")
struct TransactionSummaryTests {
    @Test("it names the node, the chain, the sender with its key name, every payload field, the fee, the nonce and the hash")
    func fields() {
        let validator = ChainFixture.validatorKeys[0].publicKey
        let stake = Transaction.signed(chainID: "ratify-localnet", sender: ChainFixture.alice, nonce: 7, fee: 3,
                                       payload: .stake(validator: validator, amount: 2_000_000, name: "alice"))
        let sender = ChainFixture.alice.publicKey.address.hex
        #expect(TransactionSummary.text(stake, keyName: "alice", node: "http://127.0.0.1:26657") == """
            node:      http://127.0.0.1:26657
            chain_id:  ratify-localnet
            from:      alice (\(sender))
            type:      stake
            validator: \(validator.hex)
            amount:    2000000
            name:      alice
            fee:       3
            nonce:     7
            hash:      \(stake.hash.hex)
            """)
        // `tx broadcast FILE` knows no key name: the address alone.
        let unjail = Transaction.signed(chainID: "c", sender: ChainFixture.alice, nonce: 0, fee: 1, payload: .unjail(validator: validator))
        #expect(TransactionSummary.text(unjail, keyName: nil, node: "n").contains("from:      \(sender)\n"))
    }
}
