import RatifyCore
import RatifyNet

/// `[priv_validator]` in config.toml: where this node's validator signatures come from. With
/// no `laddr` (the default) the node signs with `config/validator_key.json`; with
/// `laddr = "tcp://HOST:PORT"` it asks the remote signer there (docs/SIGNER.md), which must
/// present the signer key whose address is `signer_id`, and signs for `validator_public_key`.
public struct PrivValidatorConfig: Hashable, Sendable {
    /// The remote signer's address; nil: the local key file.
    public var listenAddress: HostPort?
    /// The address of the signer's link key (`ratify signer init` prints it).
    public var signerID: NodeID?
    /// The validator key the signer holds; the node checks every signature against it.
    public var validatorPublicKey: PublicKey?
    /// A signer request (connect, handshake, answer) must complete within this many milliseconds,
    /// or the node does not vote that step.
    public var requestTimeoutMillis: UInt64 = 1_000
    /// After a failed connection, the next attempt waits this many milliseconds (each attempt
    /// may hold the consensus driver up to `requestTimeoutMillis`).
    public var retryMillis: UInt64 = 500

    public init() {}

    static let keys = ["laddr", "signer_id", "validator_public_key", "request_timeout_ms", "retry_ms"]

    func validate(_ fail: (String, String) -> FileFormatError) throws(FileFormatError) {
        guard listenAddress != nil else { return }
        if signerID == nil { throw fail("priv_validator.signer_id", "required with laddr: the signer's id (ratify signer show)") }
        if validatorPublicKey == nil {
            throw fail("priv_validator.validator_public_key", "required with laddr: the validator public key the signer holds")
        }
        if requestTimeoutMillis < 1 { throw fail("priv_validator.request_timeout_ms", "expected at least 1, got 0") }
    }
}
