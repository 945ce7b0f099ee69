import RatifyCore

/// Why a CLI client command (`ratify tx`, `ratify query`) failed, as the one line it prints.
/// Rejections by the node carry the node's own message (the ledger's or the mempool's, such as
/// `insufficient balance: have 120, need 500 + fee 1`) unchanged, so scripts and people see
/// the same words as docs/LEDGER.md.
public enum ClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A command-line value that cannot be used: `--amount: expected a positive integer, got "x"`.
    case argument(option: String, reason: String)
    case keyring(KeyringError)
    /// A transaction file (`tx sign`, `tx broadcast`) that cannot be used.
    case file(FileFormatError)
    /// No connection to the node.
    case unreachable(node: String, reason: String)
    /// An `https://` node whose TLS failed: an untrusted or misnamed certificate, or a server
    /// that does not speak TLS.
    case tls(node: String, reason: String)
    /// The node did not answer within the client's timeout.
    case timedOut(node: String, seconds: Int)
    /// An answer that is not what docs/RPC.md describes.
    case badResponse(node: String, reason: String)
    /// The node answered with an error: its HTTP status, code (the ledger's or mempool's for
    /// transactions) and message.
    case rejected(status: Int, code: Int, message: String)
    /// With `--wait`: the node admitted the transaction, but it was not final within the wait.
    case notFinal(hash: String, seconds: Int)
    /// With `--wait`: the transaction is final but its payload failed (the fee and nonce were
    /// still charged, docs/LEDGER.md).
    case failedInBlock(code: Int, log: String, hash: String, height: UInt64)

    public var description: String {
        switch self {
        case .argument(let option, let reason):
            "\(option): \(reason)"
        case .keyring(let error):
            error.description
        case .file(let error):
            error.description
        case .unreachable(let node, let reason):
            "cannot reach the node at \(node): \(reason); is `ratify start` running there? (set it with --node)"
        case .tls(let node, let reason):
            "TLS with \(node): \(reason)"
        case .timedOut(let node, let seconds):
            "the node at \(node) did not answer within \(seconds) s"
        case .badResponse(let node, let reason):
            "unexpected answer from \(node): \(reason)"
        case .rejected(_, _, let message):
            message
        case .notFinal(let hash, let seconds):
            "transaction \(hash) was accepted but is not final after \(seconds) s; look it up later with `ratify query tx \(hash)`"
        case .failedInBlock(let code, let log, let hash, let height):
            "\(log) (transaction \(hash) is final at height \(height) with code \(code): the fee and nonce were charged, nothing else changed)"
        }
    }

    /// The node's error code for rejections (ledger 1-21, mempool 100+, else the HTTP status).
    public var code: Int? {
        switch self {
        case .rejected(_, let code, _), .failedInBlock(let code, _, _, _): code
        default: nil
        }
    }
}
