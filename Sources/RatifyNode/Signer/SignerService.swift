import Foundation
import Logging
import RatifyCore
import RatifyNet
import RatifyStore
import Synchronization

/// The remote signer process (`ratify signer start`): holds the validator key and its own
/// double-sign guard (and checkpoint vote guard, for hybrid chains), listens for its nodes, and answers each request only after the guard
/// has made the new position durable. Each connection is served on a thread of its own (at
/// most `connectionsMax`); two nodes on one signer share one guard, whose LMDB write
/// transaction serialises them, so a height/round/step gets at most one signature.
public final class SignerService: Sendable {
    public let config: SignerConfig
    let validatorKey: KeyPair
    let signerKey: KeyPair
    let store: NodeStore
    let logger: Logger
    /// Used by `run` only, on the one thread that runs it.
    nonisolated(unsafe) private let listener: SignerSocket
    private let connections = Mutex(0)
    /// Set by `close`: open connections end at their next request.
    private let stopped = Atomic(false)
    private let allowed: Set<NodeID>

    /// The port the listener is bound to.
    public let port: UInt16

    /// Loads the home and binds the listener; `run` serves.
    public static func open(home: SignerHome, logger: Logger) throws -> SignerService {
        let config: SignerConfig, validatorKey: KeyPair, signerKey: KeyPair
        do {
            config = try home.loadConfig()
            validatorKey = try home.loadValidatorKey()
            signerKey = try home.loadSignerKey()
        } catch {
            throw NodeStartError("\(error)")
        }
        let store = try NodeStore.open(dataDirectory: home.dataDirectory, genesisHash: SignerHome.storeTag(chainID: config.chainID))
        do {
            let listener = try SignerSocket.listen(config.listenAddress)
            return SignerService(config: config, validatorKey: validatorKey, signerKey: signerKey, store: store, listener: listener,
                                 logger: logger)
        } catch {
            store.close()
            throw NodeStartError("\(error)")
        }
    }

    private init(config: SignerConfig, validatorKey: KeyPair, signerKey: KeyPair, store: NodeStore, listener: SignerSocket, logger: Logger) {
        self.config = config
        self.validatorKey = validatorKey
        self.signerKey = signerKey
        self.store = store
        self.logger = logger
        self.port = listener.localPort
        self.allowed = Set(config.allowedNodeIDs)
        self.listener = listener
    }

    /// Accepts and serves connections until the listener fails or is shut down (`close`).
    public func run() throws {
        let lastSigned = try store.signer.lastSigned()
        let checkpoint = try store.checkpointSigner.lastSigned()
        logger.info("signer ready", metadata: [
            "chain_id": "\(config.chainID)", "validator": "\(validatorKey.publicKey.hex)",
            "signer_id": "\(signerKey.publicKey.address.hex)", "listen": "\(config.listenAddress.host):\(port)",
            "allowed_node_ids": "\(config.allowedNodeIDs.count)", "last_signed": "\(lastSigned.map { "\($0.position)" } ?? "nothing")",
            "checkpoint_signed": "\(checkpoint.map { "\($0.sourceEpoch)->\($0.targetEpoch)" } ?? "nothing")",
        ])
        while true {
            let accepted: (socket: SignerSocket, peer: String)
            do {
                accepted = try listener.accept()
            } catch {
                throw NodeStartError("\(error)")
            }
            let admitted = connections.withLock { count -> Bool in
                guard count < Int(clamping: config.connectionsMax) else { return false }
                count += 1
                return true
            }
            guard admitted else {
                logger.warning("connection refused: connections_max reached", metadata: ["from": "\(accepted.peer)"])
                continue
            }
            let connection = Connection(socket: accepted.socket), peer = accepted.peer
            Thread.detachNewThread { [self] in
                serve(connection.take(), from: peer)
                connections.withLock { $0 -= 1 }
            }
        }
    }

    private func serve(_ socket: SignerSocket, from peer: String) {
        let link: SignerLink
        do {
            link = try SignerLink.accept(socket, chainID: config.chainID, signerKey: signerKey, allowedNodes: allowed,
                                         timeoutMillis: Int(clamping: config.handshakeTimeoutMillis))
        } catch {
            logger.warning("client refused", metadata: ["from": "\(peer)", "reason": "\(error)"])
            return
        }
        let nodeID = link.peerKey.address.hex
        logger.info("node connected", metadata: ["node_id": "\(nodeID)", "from": "\(peer)"])
        while true {
            let frame: [UInt8]
            do {
                frame = try link.receive(until: nil)
            } catch {
                logger.info("node disconnected", metadata: ["node_id": "\(nodeID)", "reason": "\(error)"])
                return
            }
            guard !stopped.load(ordering: .acquiring) else {
                link.close()
                return
            }
            let response: SignerResponse, subject: String
            do {
                let request = try SignerRequest(canonicalBytes: frame)
                (response, subject) = (answer(request), request.summary)
            } catch {
                // An authenticated node asking for a kind this signer does not know (a newer
                // node): refuse that request and keep the link.
                (response, subject) = (.refused("this signer cannot read the request (\(error)); is it older than the node?"), "unreadable request")
            }
            if case .refused(let reason) = response {
                logger.warning("refused to sign", metadata: ["node_id": "\(nodeID)", "at": "\(subject)", "reason": "\(reason)"])
            }
            do {
                try link.send(response.canonicalBytes, until: Deadline(afterMillis: Int(clamping: config.handshakeTimeoutMillis)))
            } catch {
                logger.info("node disconnected", metadata: ["node_id": "\(nodeID)", "reason": "\(error)"])
                return
            }
        }
    }

    /// The guard's verdict on one request: a signature that is durable before it is returned,
    /// or why not.
    func answer(_ request: SignerRequest) -> SignerResponse {
        guard request.chainID == config.chainID else {
            return .refused("this signer signs for chain '\(config.chainID)', not '\(request.chainID)'")
        }
        guard request.signerAddress == validatorKey.publicKey.address else {
            return .refused("the message names validator \(request.signerAddress.hex); this signer holds \(validatorKey.publicKey.address.hex)")
        }
        let signBytes = request.signBytes(chainID: config.chainID)
        do {
            if case .checkpointVote(_, let vote) = request {
                return .signature(try store.checkpointSigner.authorize(vote, signBytes: signBytes, sign: { validatorKey.sign($0) }))
            }
            guard let position = request.position else { preconditionFailure("votes and proposals have a position") }
            let signature = try store.signer.authorize(
                height: position.height, round: position.round, step: position.step, signBytes: signBytes,
                sign: { validatorKey.sign($0) },
                signedVote: { signature in
                    guard case .vote(_, var vote) = request else { return nil }
                    vote.signature = signature
                    return vote
                })
            return .signature(signature)
        } catch {
            return .refused("\(error)")
        }
    }

    /// Stops accepting (`run` returns with an error) and closes the store, for tests that run
    /// a service in-process. Connections still open fail on their next request.
    public func close() {
        stopped.store(true, ordering: .releasing)
        listener.shutdown()
        store.close()
    }
}

/// Hands an accepted socket to the thread that serves it (a socket is not Sendable; exactly
/// one thread ever uses it).
private final class Connection: @unchecked Sendable {
    private var socket: SignerSocket?

    init(socket: SignerSocket) { self.socket = socket }

    func take() -> SignerSocket {
        guard let socket else { preconditionFailure("a connection is served once") }
        self.socket = nil
        return socket
    }
}
