import NIOCore
import RatifyCore

/// One funded account of the load: its key, its next nonce, the node it always submits to
/// (so its nonces arrive in order) and its own keep-alive connection. Held by one send at a
/// time (the `SenderPool` hands it out), which is what makes the unguarded state safe.
public final class BenchSender: @unchecked Sendable {
    public let key: KeyPair
    public let node: Int
    let chainID: String
    let fee: UInt64
    let recipient: Address
    private(set) var nonce: UInt64
    private var signed: [(body: [UInt8], hash: Hash)] = []
    private var signedNext = 0
    var connection: HTTPConnection?
    /// Set when this sender's nonce may be out of step with its node (`LoadGenerator.resyncNonces`).
    var needsResync = false

    public init(key: KeyPair, node: Int, chainID: String, nonce: UInt64, fee: UInt64, recipient: Address) {
        self.key = key
        self.node = node
        self.chainID = chainID
        self.nonce = nonce
        self.fee = fee
        self.recipient = recipient
    }

    /// Signs the next `count` transfers ahead of the run, so signing is not on the clock.
    func presign(_ count: Int) {
        var nonce = self.nonce + UInt64(signed.count - signedNext)
        for _ in 0..<count {
            let transaction = Transaction.signed(chainID: chainID, sender: key, nonce: nonce, fee: fee,
                                                 payload: .transfer(to: recipient, amount: 1))
            signed.append((Self.body(transaction), transaction.hash))
            nonce += 1
        }
    }

    /// The next transfer's request body (hex of the canonical encoding, as POST /tx takes).
    func nextBody() -> [UInt8] {
        if signedNext == signed.count { presign(1) }
        return signed[signedNext].body
    }

    /// The transaction hash of the body `nextBody` returns.
    func nextHash() -> Hash {
        if signedNext == signed.count { presign(1) }
        return signed[signedNext].hash
    }

    /// Starts again from `nonce` (the account's nonce as a node reports it), dropping what was
    /// signed ahead: after a node lost its mempool, or a send's fate is unknown.
    func reset(nonce: UInt64) {
        self.nonce = nonce
        signed = []
        signedNext = 0
    }

    /// The body from `nextBody` was admitted (or its nonce otherwise used): move on.
    func consumed() {
        signedNext += 1
        nonce += 1
        if signedNext > 1_024 {
            signed.removeFirst(signedNext)
            signedNext = 0
        }
    }

    static func body(_ transaction: Transaction) -> [UInt8] {
        let hexDigits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        let bytes = transaction.canonicalBytes
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0f)])
        }
        return out
    }
}
