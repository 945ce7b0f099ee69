import Foundation
import Testing
@testable import RatifyCore

/// Pins the worked example in docs/CODEC.md: if the encoding or the sign bytes change, this
/// fails, and the document must change with them.
@Suite("golden transaction")
struct GoldenTransactionTests {
    static let sender = KeyPair(seed: [UInt8](repeating: 0x01, count: 32))

    static func example() throws -> Transaction {
        let sender = try #require(Self.sender)
        return Transaction.signed(chainID: "ratify-localnet", sender: sender, nonce: 0, fee: 1,
                                  payload: .stake(validator: sender.publicKey, amount: 2_000_000, name: "alice"))
    }

    @Test("the stake transaction of docs/CODEC.md encodes and signs to the documented bytes")
    func documentedBytes() throws {
        let transaction = try Self.example()
        let dump = """
        public key  \(transaction.sender.hex)
        sign bytes  \(Hex.encode(transaction.signBytes))
        signature   \(transaction.signature.hex)
        encoded     \(Hex.encode(transaction.canonicalBytes))
        tx hash     \(transaction.hash.hex)
        """
        #expect(dump == Self.documented, "docs/CODEC.md is out of date; the new values are:\n\(dump)")
    }

    @Test("the kept hash, encoded length and sender address follow every change of a field and equal what decoding reads")
    func keptHashFollowsTheFields() throws {
        var transaction = try Self.example()
        func consistent(_ transaction: Transaction) -> Bool {
            let bytes = transaction.canonicalBytes
            return transaction.hash == Hash.sha256(bytes) && transaction.encodedBytesCount == bytes.count
                && transaction.senderAddress == transaction.sender.address
        }
        #expect(consistent(transaction))
        let decoded = try Transaction(canonicalBytes: transaction.canonicalBytes)
        #expect(decoded.hash == transaction.hash && decoded == transaction && consistent(decoded))
        var seen: Set<Hash> = [transaction.hash]
        transaction.chainID = "other-chain"
        #expect(consistent(transaction) && seen.insert(transaction.hash).inserted)
        transaction.sender = try #require(KeyPair(seed: [UInt8](repeating: 0x02, count: 32))).publicKey
        #expect(consistent(transaction) && seen.insert(transaction.hash).inserted)
        transaction.nonce = 7
        #expect(consistent(transaction) && seen.insert(transaction.hash).inserted)
        transaction.fee = 9
        #expect(consistent(transaction) && seen.insert(transaction.hash).inserted)
        transaction.payload = .unjail(validator: transaction.sender)
        #expect(consistent(transaction) && seen.insert(transaction.hash).inserted)
        transaction.signature = .zero
        #expect(consistent(transaction) && seen.insert(transaction.hash).inserted)
        #expect(transaction != decoded && Set([transaction, decoded, decoded]).count == 2)
    }

    @Test("docs/CODEC.md states the byte counts of the hex it prints, and the example key's address")
    func documentedCounts() throws {
        let transaction = try Self.example()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let page = try String(contentsOf: root.appendingPathComponent("docs/CODEC.md"), encoding: .utf8)
        // The first fenced block after a line is the hex that line introduces.
        func hexBlock(after marker: String) throws -> String {
            let start = try #require(page.range(of: marker), "docs/CODEC.md no longer says \"\(marker)\"")
            let rest = page[start.upperBound...]
            let open = try #require(rest.range(of: "```\n"))
            let close = try #require(rest[open.upperBound...].range(of: "```"))
            return rest[open.upperBound..<close.lowerBound].filter { !$0.isWhitespace }
        }
        let signBytes = try hexBlock(after: "All of it (\(transaction.signBytes.count) bytes):")
        #expect(signBytes == Hex.encode(transaction.signBytes))
        let encoded = try hexBlock(after: "followed by the 64-byte signature (\(transaction.canonicalBytes.count) bytes):")
        #expect(encoded == Hex.encode(transaction.canonicalBytes))
        #expect(transaction.signBytes.count == 133 && transaction.canonicalBytes.count == 181)
        let sender = try #require(Self.sender)
        #expect(page.contains("has the address `\(sender.publicKey.address.hex)`"))
    }

    static let documented = """
    public key  8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c
    sign bytes  0000000c7261746966792f74782f76310000000f7261746966792d6c6f63616c6e65748a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c00000000000000000000000000000001028a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c00000000001e848000000005616c696365
    signature   a7626cc2aec84fb9722bfef75f209e713df0ca2bf3e8ef0cd2584cb1bed6a85a9a040e3f715d96a417b75df111d5e5b33dab63b12a05a1c3dc954d89dc05c403
    encoded     0000000f7261746966792d6c6f63616c6e65748a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c00000000000000000000000000000001028a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c00000000001e848000000005616c696365a7626cc2aec84fb9722bfef75f209e713df0ca2bf3e8ef0cd2584cb1bed6a85a9a040e3f715d96a417b75df111d5e5b33dab63b12a05a1c3dc954d89dc05c403
    tx hash     0c34150a6bfd726e91c4ac217ebd7ffaadd9118d755d21ffe78b50d8dc0bf09e
    """
}
