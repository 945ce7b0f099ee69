import Foundation
import Logging
import RatifyCore
import RatifyNode
import RatifyOps
import RatifyStore

/// `ratify bench signer`: what one signature costs with the key in the node (the double-sign
/// guard's fsynced write and an Ed25519 signature) and through a remote signer on loopback (the
/// request over the encrypted link, the signer's own fsynced guard write and signature, the
/// answer). A node with a remote signer pays both: its own guard stays in front. Each run
/// signs `count` prevotes at increasing heights in fresh temporary homes, one at a time.
public enum SignerBench {
    public struct Result: Sendable {
        public var local: LatencySummary
        public var remote: LatencySummary
    }

    static let chainID = "ratify-signer-bench"

    public static func run(count: Int) throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ratify-signer-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let validatorKey = KeyPair.generate(), nodeKey = KeyPair.generate()
        func prevote(_ height: UInt64) -> Vote {
            Vote(type: .prevote, height: height, round: 0, blockID: BlockID(hash: Hash.sha256(Array("bench".utf8))),
                 validatorAddress: validatorKey.publicKey.address, validatorIndex: 0)
        }

        let store = try NodeStore.open(dataDirectory: directory + "/node-data", genesisHash: Hash.sha256(Array(chainID.utf8)))
        var localMillis: [Double] = []
        for height in 1...UInt64(count) {
            let vote = prevote(height)
            let started = ContinuousClock.now
            _ = try store.signer.authorize(height: height, round: 0, step: .prevote, signBytes: vote.signBytes(chainID: chainID),
                                           sign: { validatorKey.sign($0) })
            localMillis.append(millis(since: started))
        }
        store.close()

        guard let port = LocalPorts.freeBase(nodes: 1) else { throw BenchError("no free port below 32768 on 127.0.0.1") }
        let listen = HostPort(host: "127.0.0.1", port: port)
        let signerHome = SignerHome(directory + "/signer")
        let identity = try RemoteSignerSetup.initialize(signerHome: signerHome, chainID: chainID, listen: listen,
                                                        allowedNodeIDs: [nodeKey.publicKey.address], validatorKey: validatorKey)
        // The service's connection lines would interleave with the report.
        let quiet = Logger(label: "ratify-signer-bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let service = try SignerService.open(home: signerHome, logger: quiet)
        defer { service.close() }
        Thread.detachNewThread { try? service.run() }
        var config = PrivValidatorConfig()
        config.requestTimeoutMillis = 10_000
        let client = RemoteSignerClient(config: config, address: listen, signerID: identity.signerID,
                                        validatorPublicKey: validatorKey.publicKey, chainID: chainID, nodeKey: nodeKey, logger: quiet)
        // The first request also connects and runs the handshake; it is not a signature's cost.
        _ = try client.sign(.vote(chainID: chainID, vote: prevote(1)), signBytes: prevote(1).signBytes(chainID: chainID))
        var remoteMillis: [Double] = []
        for height in 2...UInt64(count + 1) {
            let vote = prevote(height)
            let started = ContinuousClock.now
            _ = try client.sign(.vote(chainID: chainID, vote: vote), signBytes: vote.signBytes(chainID: chainID))
            remoteMillis.append(millis(since: started))
        }
        return Result(local: LatencySummary(millis: localMillis), remote: LatencySummary(millis: remoteMillis))
    }

    private static func millis(since start: ContinuousClock.Instant) -> Double {
        let elapsed = start.duration(to: .now).components
        return Double(elapsed.seconds) * 1_000 + Double(elapsed.attoseconds) / 1e15
    }
}
