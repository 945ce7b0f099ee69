import Foundation
import Logging
import RatifyCore
@testable import RatifyNode
import RatifyOps
import RatifyStore
import RatifyTestSupport
import Testing

/// The remote signer over real loopback TCP, in this process: `SignerService` on a free port
/// (`LocalPorts`), `RemoteSignerClient`s as nodes use them.
@Suite("remote signer", .serialized)
struct RemoteSignerTests {
    static let chainID = "signer-test"
    let validatorKey = KeyPair.generate()
    let nodeKey = KeyPair.generate()

    /// A signer home serving `allowed` node keys, and its service, running on a thread.
    final class RunningSigner {
        let directory: TemporaryDirectory
        let home: SignerHome
        let signerKey: KeyPair
        var service: SignerService

        init(validatorKey: KeyPair, allowed: [KeyPair], directory: TemporaryDirectory? = nil) throws {
            self.directory = try directory ?? TemporaryDirectory()
            home = SignerHome(self.directory.path + "/signer")
            signerKey = KeyPair.generate()
            let port = try #require(LocalPorts.freeBase(nodes: 1))
            let config = SignerConfig(chainID: RemoteSignerTests.chainID, listenAddress: HostPort(host: "127.0.0.1", port: port),
                                      allowedNodeIDs: allowed.map(\.publicKey.address))
            try home.write(config: config, validatorKey: validatorKey, signerKey: signerKey)
            service = try Self.start(home)
        }

        static func start(_ home: SignerHome, port: UInt16? = nil) throws -> SignerService {
            if let port {
                var config = try home.loadConfig()
                config.listenAddress.port = port
                try FileIO.write(home.configFile, Array(config.tomlText.utf8), mode: 0o644, exclusive: false)
            }
            let service = try SignerService.open(home: home, logger: Logger(label: "signer-test"))
            Thread.detachNewThread { try? service.run() }
            return service
        }

        func restart() throws {
            let port = service.port
            service.close()
            service = try Self.start(home, port: port)
        }

        func client(nodeKey: KeyPair, validatorPublicKey: PublicKey, chainID: String = RemoteSignerTests.chainID,
                    signerID: Address? = nil) -> RemoteSignerClient {
            var config = PrivValidatorConfig()
            config.requestTimeoutMillis = 5_000
            config.retryMillis = 0
            return RemoteSignerClient(config: config, address: HostPort(host: "127.0.0.1", port: service.port),
                                      signerID: signerID ?? signerKey.publicKey.address, validatorPublicKey: validatorPublicKey,
                                      chainID: chainID, nodeKey: nodeKey, logger: Logger(label: "node-test"))
        }

        deinit { service.close() }
    }

    func prevote(height: Height, round: Round = 0, block: UInt8?) -> Vote {
        Vote(type: .prevote, height: height, round: round, blockID: block.map { BlockID(hash: Hash.sha256([$0])) },
             validatorAddress: validatorKey.publicKey.address, validatorIndex: 0)
    }

    func sign(_ client: RemoteSignerClient, _ vote: Vote, chainID: String = RemoteSignerTests.chainID) throws(RemoteSignerError) -> Signature {
        try client.sign(.vote(chainID: chainID, vote: vote), signBytes: vote.signBytes(chainID: chainID))
    }

    @Test("requests and responses round-trip; an unknown tag or trailing bytes are refused")
    func codec() throws {
        let request = SignerRequest.vote(chainID: Self.chainID, vote: prevote(height: 3, block: 1))
        #expect(try SignerRequest(canonicalBytes: request.canonicalBytes) == request)
        let response = SignerResponse.refused("no")
        #expect(try SignerResponse(canonicalBytes: response.canonicalBytes) == response)
        var bad = request.canonicalBytes
        bad[0] = 9
        #expect(throws: DecodeError.self) { try SignerRequest(canonicalBytes: bad) }
        #expect(throws: DecodeError.self) { try SignerRequest(canonicalBytes: request.canonicalBytes + [0]) }
        #expect(throws: DecodeError.self) { try SignerResponse(canonicalBytes: [1, 2, 3]) }
    }

    @Test("a node signs through the signer; the same vote again gets the same signature; other bytes at that step are refused")
    func signsAndGuards() throws {
        let signer = try RunningSigner(validatorKey: validatorKey, allowed: [nodeKey])
        let client = signer.client(nodeKey: nodeKey, validatorPublicKey: validatorKey.publicKey)
        let vote = prevote(height: 5, block: 1)
        let signature = try sign(client, vote)
        #expect(validatorKey.publicKey.verify(signature, message: vote.signBytes(chainID: Self.chainID)))
        #expect(try sign(client, vote) == signature)
        #expect(throws: RemoteSignerError.self) { try sign(client, prevote(height: 5, block: 2)) }
        #expect(throws: RemoteSignerError.self) { try sign(client, prevote(height: 4, block: 1)) }
        // Later positions are signed.
        _ = try sign(client, prevote(height: 5, round: 1, block: 2))
    }

    @Test("two nodes on one signer get at most one signature per step")
    func twoNodesOneSigner() throws {
        let otherNode = KeyPair.generate()
        let signer = try RunningSigner(validatorKey: validatorKey, allowed: [nodeKey, otherNode])
        let first = signer.client(nodeKey: nodeKey, validatorPublicKey: validatorKey.publicKey)
        let second = signer.client(nodeKey: otherNode, validatorPublicKey: validatorKey.publicKey)
        _ = try sign(first, prevote(height: 7, block: 1))
        do {
            _ = try sign(second, prevote(height: 7, block: 2))
            Issue.record("the second node got a second, different signature for height 7 round 0 prevote")
        } catch {
            #expect(error.description.contains("refused"), "\(error)")
        }
    }

    @Test("a client whose node key is not allowed, a request for another chain, and a signer with another id are refused")
    func foreignClientsAndChains() throws {
        let signer = try RunningSigner(validatorKey: validatorKey, allowed: [nodeKey])
        let stranger = signer.client(nodeKey: KeyPair.generate(), validatorPublicKey: validatorKey.publicKey)
        #expect(throws: RemoteSignerError.self) { try sign(stranger, prevote(height: 1, block: 1)) }

        let client = signer.client(nodeKey: nodeKey, validatorPublicKey: validatorKey.publicKey)
        do {
            _ = try sign(client, prevote(height: 1, block: 1), chainID: "another-chain")
            Issue.record("a request for another chain was signed")
        } catch {
            #expect(error.description.contains("another-chain"), "\(error)")
        }

        let impostorExpected = signer.client(nodeKey: nodeKey, validatorPublicKey: validatorKey.publicKey,
                                             signerID: KeyPair.generate().publicKey.address)
        do {
            _ = try sign(impostorExpected, prevote(height: 1, block: 1))
            Issue.record("a signer with another id was trusted")
        } catch {
            #expect(error.description.contains("but the peer is"), "\(error)")
        }
        // None of it moved the guard: the allowed node signs height 1.
        _ = try sign(client, prevote(height: 1, block: 1))
    }

    @Test("a signer that goes away gives no signature; restarted, it signs again on a fresh link, and still refuses a conflict")
    func signerRestart() throws {
        let signer = try RunningSigner(validatorKey: validatorKey, allowed: [nodeKey])
        let client = signer.client(nodeKey: nodeKey, validatorPublicKey: validatorKey.publicKey)
        let signed = try sign(client, prevote(height: 9, block: 1))
        let port = signer.service.port
        signer.service.close()
        #expect(throws: RemoteSignerError.self) { try sign(client, prevote(height: 10, block: 1)) }
        signer.service = try RunningSigner.start(signer.home, port: port)
        #expect(try sign(client, prevote(height: 9, block: 1)) == signed)
        #expect(throws: RemoteSignerError.self) { try sign(client, prevote(height: 9, block: 3)) }
        _ = try sign(client, prevote(height: 10, block: 1))
    }

    func checkpointVote(source: UInt64, target: UInt64, block: UInt8 = 0) -> CheckpointVote {
        CheckpointVote(validatorAddress: validatorKey.publicKey.address, source: Checkpoint(epoch: source, blockHash: Hash.sha256([UInt8(source)])),
                       target: Checkpoint(epoch: target, blockHash: Hash.sha256([UInt8(target), block])))
    }

    func sign(_ client: RemoteSignerClient, _ vote: CheckpointVote, chainID: String = RemoteSignerTests.chainID) throws(RemoteSignerError) -> Signature {
        try client.sign(.checkpointVote(chainID: chainID, vote: vote), signBytes: vote.signBytes(chainID: chainID))
    }

    @Test("a checkpoint vote request round-trips without its signature; a signer answers an unreadable request with a refusal and keeps the link")
    func checkpointCodecAndUnknownKind() throws {
        var vote = checkpointVote(source: 2, target: 3)
        let request = SignerRequest.checkpointVote(chainID: Self.chainID, vote: vote)
        vote.signature = validatorKey.sign([1])
        #expect(SignerRequest.checkpointVote(chainID: Self.chainID, vote: vote).canonicalBytes == request.canonicalBytes)
        #expect(try SignerRequest(canonicalBytes: request.canonicalBytes) == request)

        let signer = try RunningSigner(validatorKey: validatorKey, allowed: [nodeKey])
        let link = try SignerLink.dial(HostPort(host: "127.0.0.1", port: signer.service.port), chainID: Self.chainID, nodeKey: nodeKey,
                                       expectedSigner: signer.signerKey.publicKey.address, timeoutMillis: 5_000)
        defer { link.close() }
        var unknown = request.canonicalBytes
        unknown[0] = 200
        try link.send(unknown, until: Deadline(afterMillis: 5_000))
        guard case .refused(let reason) = try SignerResponse(canonicalBytes: try link.receive(until: Deadline(afterMillis: 5_000))) else {
            Issue.record("an unknown request kind was not refused")
            return
        }
        #expect(reason.contains("cannot read the request"), "\(reason)")
        try link.send(request.canonicalBytes, until: Deadline(afterMillis: 5_000))
        guard case .signature(let signature) = try SignerResponse(canonicalBytes: try link.receive(until: Deadline(afterMillis: 5_000))) else {
            Issue.record("the link did not serve a request after the refusal")
            return
        }
        #expect(validatorKey.publicKey.verify(signature, message: vote.signBytes(chainID: Self.chainID)))
    }

    @Test("checkpoint votes through the signer: the same vote again gets the same signature; a second vote for a target epoch, a surround vote and another chain are refused; a restart keeps the state")
    func checkpointGuard() throws {
        let signer = try RunningSigner(validatorKey: validatorKey, allowed: [nodeKey])
        let client = signer.client(nodeKey: nodeKey, validatorPublicKey: validatorKey.publicKey)
        let first = checkpointVote(source: 1, target: 2)
        let signature = try sign(client, first)
        #expect(validatorKey.publicKey.verify(signature, message: first.signBytes(chainID: Self.chainID)))
        #expect(try sign(client, first) == signature)

        func refused(_ vote: CheckpointVote, chainID: String = RemoteSignerTests.chainID, saying words: String) {
            do {
                _ = try sign(client, vote, chainID: chainID)
                Issue.record("signed \(vote.source.epoch)->\(vote.target.epoch) on \(chainID)")
            } catch {
                #expect(error.description.contains(words), "\(error)")
            }
        }
        // Another block at target epoch 2: a double vote.
        refused(checkpointVote(source: 1, target: 2, block: 1), saying: "target epoch 2 is not after the signed target epoch 2")
        refused(checkpointVote(source: 0, target: 2), saying: "target epoch 2 is not after the signed target epoch 2")
        // 3 -> 4 is signed; then 2 -> 5 would surround it.
        let fourth = try sign(client, checkpointVote(source: 3, target: 4))
        refused(checkpointVote(source: 2, target: 5), saying: "source epoch 2 is before the signed source epoch 3")
        refused(checkpointVote(source: 4, target: 5), chainID: "another-chain", saying: "another-chain")
        // A request naming another validator.
        var foreign = checkpointVote(source: 4, target: 5)
        foreign.validatorAddress = KeyPair.generate().publicKey.address
        refused(foreign, saying: "names validator")

        try signer.restart()
        refused(checkpointVote(source: 3, target: 4, block: 1), saying: "target epoch 4 is not after the signed target epoch 4")
        refused(checkpointVote(source: 2, target: 5), saying: "source epoch 2 is before the signed source epoch 3")
        #expect(try sign(client, checkpointVote(source: 3, target: 4)) == fourth)
        _ = try sign(client, checkpointVote(source: 4, target: 5))
        let home = signer.home
        signer.service.close()
        let store = try NodeStore.open(dataDirectory: home.dataDirectory, genesisHash: SignerHome.storeTag(chainID: Self.chainID))
        defer { store.close() }
        let recorded = try #require(try store.checkpointSigner.lastSigned())
        #expect(recorded.sourceEpoch == 4 && recorded.targetEpoch == 5)
    }

    @Test("signer.toml round-trips; no allowed node ids, another scheme or an unknown key is a one-line error naming the key")
    func signerConfig() throws {
        var config = SignerConfig(chainID: "c", listenAddress: HostPort(host: "127.0.0.1", port: 26670), allowedNodeIDs: [nodeKey.publicKey.address])
        config.connectionsMax = 3
        #expect(try SignerConfig(toml: config.tomlText) == config)
        let cases = [
            ("chain_id = \"c\"\nlisten_address = \"tcp://127.0.0.1:1\"\n", "allowed_node_ids"),
            ("chain_id = \"c\"\nlisten_address = \"udp://127.0.0.1:1\"\nallowed_node_ids = \"\(nodeKey.publicKey.address.hex)\"\n", "listen_address"),
            (config.tomlText + "colour = 1\n", "colour"),
        ]
        for (text, key) in cases {
            do {
                _ = try SignerConfig(toml: text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.description.contains(key), "\(error)")
            }
        }
    }

    @Test("config.toml's [priv_validator] round-trips and requires signer_id and validator_public_key with laddr")
    func privValidatorConfig() throws {
        var config = NodeConfig()
        config.privValidator.listenAddress = HostPort(host: "10.0.0.5", port: 26659)
        config.privValidator.signerID = nodeKey.publicKey.address
        config.privValidator.validatorPublicKey = validatorKey.publicKey
        config.privValidator.requestTimeoutMillis = 700
        #expect(try NodeConfig(toml: config.tomlText) == config)
        #expect(try NodeConfig(toml: NodeConfig().tomlText).privValidator.listenAddress == nil)
        #expect(throws: FileFormatError.self) { try NodeConfig(toml: "[priv_validator]\nladdr = \"tcp://127.0.0.1:1\"\n") }
        #expect(throws: FileFormatError.self) { try NodeConfig(toml: "[priv_validator]\nladdr = \"udp://127.0.0.1:1\"\n") }
    }
}

/// The start check that a validator's signer state is not behind its own WAL.
@Suite("signer state against the WAL")
struct SignerStateWALCheckTests {
    @Test("a store whose WAL holds this validator's vote past its signer state is refused; once the state covers it, accepted")
    func behindWALIsRefused() throws {
        let directory = try TemporaryDirectory()
        let key = KeyPair.generate()
        let store = try NodeStore.open(dataDirectory: directory.path + "/data", genesisHash: Hash.sha256([1]))
        defer { store.close() }
        let vote = Vote(type: .precommit, height: 4, round: 1, blockID: BlockID(hash: Hash.sha256([2])),
                        validatorAddress: key.publicKey.address, validatorIndex: 0)
        let someoneElse = Vote(type: .precommit, height: 4, round: 2, blockID: nil, validatorAddress: KeyPair.generate().publicKey.address,
                               validatorIndex: 1)
        try store.environment.write { transaction in
            _ = try store.wal.append(height: 4, record: WALRecord.vote(vote).canonicalBytes, in: transaction)
            _ = try store.wal.append(height: 4, record: WALRecord.vote(someoneElse).canonicalBytes, in: transaction)
        }
        do {
            try ProofOfStakeEngine.refuseSignerStateBehindWAL(store: store, height: 4, validator: key.publicKey.address)
            Issue.record("a signer state that never signed was accepted against a WAL holding this validator's precommit")
        } catch {
            #expect("\(error)".contains("older than what this validator's WAL shows it signed (height 4 round 1 precommit)"), "\(error)")
        }
        _ = try store.signer.authorize(height: 4, round: 1, step: .prevote, signBytes: [1], sign: { key.sign($0) })
        #expect(throws: NodeStartError.self) {
            try ProofOfStakeEngine.refuseSignerStateBehindWAL(store: store, height: 4, validator: key.publicKey.address)
        }
        _ = try store.signer.authorize(height: 4, round: 1, step: .precommit, signBytes: vote.signBytes(chainID: "c"), sign: { key.sign($0) })
        try ProofOfStakeEngine.refuseSignerStateBehindWAL(store: store, height: 4, validator: key.publicKey.address)
    }
}
