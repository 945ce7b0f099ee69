import Logging
import RatifyCore
import RatifyNet
import Synchronization

/// The node's side of the remote signer: one link, made on first use and made again after it
/// breaks. `sign` blocks its caller (the consensus driver) for at most one request timeout
/// (twice when a link that looked open turns out dead and one fresh connection is tried):
/// the driver carries out effects in order and cannot go on to broadcast before it has the
/// signature, as CometBFT's consensus waits for its privval. When the signer is gone the
/// node does not vote, logs why at most once per `warningIntervalMillis`, and tries again
/// at most once per `retryMillis`.
public final class RemoteSignerClient: Sendable {
    static let warningIntervalMillis: Int64 = 10_000

    public let address: HostPort
    public let validatorPublicKey: PublicKey
    let chainID: String
    let signerID: NodeID
    let nodeKey: KeyPair
    let timeoutMillis: Int
    let retryMillis: Int
    let logger: Logger

    private struct State {
        var link: SignerLink?
        var lastFailure: ContinuousClock.Instant?
        var lastWarning: ContinuousClock.Instant?
        var failing = false
    }

    private let state = Mutex(State())

    public init(config: PrivValidatorConfig, address: HostPort, signerID: NodeID, validatorPublicKey: PublicKey, chainID: String,
                nodeKey: KeyPair, logger: Logger) {
        self.address = address
        self.signerID = signerID
        self.validatorPublicKey = validatorPublicKey
        self.chainID = chainID
        self.nodeKey = nodeKey
        self.timeoutMillis = Int(clamping: config.requestTimeoutMillis)
        self.retryMillis = Int(clamping: config.retryMillis)
        self.logger = logger
    }

    /// The signer's signature for `request`, checked against `signBytes` and the validator key.
    public func sign(_ request: SignerRequest, signBytes: [UInt8]) throws(RemoteSignerError) -> Signature {
        let result = state.withLock { state in Result { () throws(RemoteSignerError) in try exchange(request, &state) } }
        switch result {
        case .success(let response):
            noteRecovered()
            switch response {
            case .signature(let signature):
                guard validatorPublicKey.verify(signature, message: signBytes) else {
                    throw .invalidSignature("the signer's signature does not verify against validator key \(validatorPublicKey.hex); is signer \(signerID.hex) holding another key?")
                }
                return signature
            case .refused(let reason):
                throw .refused(reason)
            }
        case .failure(let error):
            warnNotVoting(error)
            throw error
        }
    }

    private func exchange(_ request: SignerRequest, _ state: inout State) throws(RemoteSignerError) -> SignerResponse {
        let bytes = request.canonicalBytes
        if let link = state.link {
            // A link left open may have died with the signer; one fresh connection is tried then.
            if let response = try? roundTrip(bytes, on: link) { return response }
            link.close()
            state.link = nil
        }
        if let last = state.lastFailure, last.duration(to: .now) < .milliseconds(retryMillis) {
            throw .unavailable("the last attempt to reach the signer failed less than \(retryMillis) ms ago")
        }
        do {
            let link = try SignerLink.dial(address, chainID: chainID, nodeKey: nodeKey, expectedSigner: signerID, timeoutMillis: timeoutMillis)
            let response = try roundTrip(bytes, on: link)
            state.link = link
            state.lastFailure = nil
            return response
        } catch {
            state.lastFailure = .now
            throw .unavailable("\(error)")
        }
    }

    private func roundTrip(_ request: [UInt8], on link: SignerLink) throws(SignerLinkError) -> SignerResponse {
        let deadline = Deadline(afterMillis: timeoutMillis)
        try link.send(request, until: deadline)
        let answer = try link.receive(until: deadline)
        do {
            return try SignerResponse(canonicalBytes: answer)
        } catch {
            throw .malformed("response: \(error)")
        }
    }

    private func warnNotVoting(_ error: RemoteSignerError) {
        let write = state.withLock { state -> Bool in
            state.failing = true
            if let last = state.lastWarning, last.duration(to: .now) < .milliseconds(Self.warningIntervalMillis) { return false }
            state.lastWarning = .now
            return true
        }
        if write {
            logger.warning("not voting: the remote signer cannot be reached; following the chain meanwhile",
                           metadata: ["signer": "\(address)", "reason": "\(error)"])
        }
    }

    private func noteRecovered() {
        let recovered = state.withLock { state -> Bool in
            defer { state.failing = false; state.lastWarning = nil }
            return state.failing
        }
        if recovered { logger.info("remote signer reachable again; voting", metadata: ["signer": "\(address)"]) }
    }
}

/// Why the remote signer gave no signature.
public enum RemoteSignerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No link to the signer (it is down, unreachable, or refused this node), or no answer in time.
    case unavailable(String)
    /// The signer's guard refused (another chain, or a double sign it would not make).
    case refused(String)
    /// The answer does not verify against the configured validator key.
    case invalidSignature(String)

    public var description: String {
        switch self {
        case .unavailable(let reason): "remote signer unavailable: \(reason)"
        case .refused(let reason): "remote signer refused: \(reason)"
        case .invalidSignature(let reason): reason
        }
    }
}
