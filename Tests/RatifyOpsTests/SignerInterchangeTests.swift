import Foundation
import Logging
import RatifyCore
@testable import RatifyNode
@testable import RatifyOps
import RatifyStore
import RatifyTestSupport
import Testing

/// `ratify signer export` / `import` on real homes and LMDB stores.
@Suite("signer state interchange")
struct SignerInterchangeTests {
    let chainID = "interchange"

    /// A node home of a one-validator testnet.
    func nodeHome(in directory: TemporaryDirectory) throws -> (NodeHome, KeyPair) {
        var options = TestnetGenerator.Options(validatorCount: 1, genesisTime: try #require(GenesisTime(rfc3339: "2026-01-01T00:00:00Z")))
        options.chainID = chainID
        let plan = try TestnetGenerator.plan(options)
        try TestnetGenerator.write(plan, to: directory.path)
        return (NodeHome(directory.path + "/node0"), plan.nodes[0].validatorKey)
    }

    func vote(_ key: KeyPair, height: UInt64, round: UInt32 = 0, type: VoteType = .precommit, block: UInt8) -> Vote {
        Vote(type: type, height: height, round: round, blockID: BlockID(hash: Hash.sha256([block])),
             validatorAddress: key.publicKey.address, validatorIndex: 0)
    }

    /// Signs `vote` through the guard of the store in `dataDirectory`.
    func sign(_ vote: Vote, _ key: KeyPair, dataDirectory: String, genesisHash: Hash) throws -> Signature {
        let store = try NodeStore.open(dataDirectory: dataDirectory, genesisHash: genesisHash)
        defer { store.close() }
        return try store.signer.authorize(height: vote.height, round: vote.round, step: SignStep(vote.type),
                                          signBytes: vote.signBytes(chainID: chainID), sign: { key.sign($0) })
    }

    @Test("export from a node home, import into a fresh signer home: a vote at or below the exported position is refused, the same vote gets the same signature, a later one is signed")
    func exportThenImport() throws {
        let directory = try TemporaryDirectory()
        let (home, key) = try nodeHome(in: directory)
        let genesisHash = try home.loadGenesis().genesisHash
        let signed = try sign(vote(key, height: 8, block: 1), key, dataDirectory: home.dataDirectory, genesisHash: genesisHash)

        let interchange = try SignerStateTransfer.export(home: home.root)
        #expect(interchange.lastSigned?.position == SignPosition(height: 8, round: 0, step: .precommit))
        let file = try directory.write("state.json", interchange.jsonText)
        let parsed = try SignerInterchange(json: Array(try Data(contentsOf: URL(fileURLWithPath: file))), file: file)
        #expect(parsed == interchange)

        let signerHome = SignerHome(directory.path + "/signer")
        try RemoteSignerSetup.initialize(signerHome: signerHome, chainID: chainID, listen: HostPort(host: "127.0.0.1", port: 1),
                                         allowedNodeIDs: [KeyPair.generate().publicKey.address], validatorKey: key)
        let lines = try SignerStateTransfer.importState(parsed, home: signerHome.root)
        #expect(lines == ["adopted the signer state: last signed height 8 round 0 precommit"])

        let tag = SignerHome.storeTag(chainID: chainID)
        #expect(throws: SignerRefusal.self) {
            try sign(vote(key, height: 8, block: 2), key, dataDirectory: signerHome.dataDirectory, genesisHash: tag)
        }
        #expect(throws: SignerRefusal.self) {
            try sign(vote(key, height: 8, type: .prevote, block: 1), key, dataDirectory: signerHome.dataDirectory, genesisHash: tag)
        }
        #expect(throws: SignerRefusal.self) {
            try sign(vote(key, height: 7, round: 3, block: 1), key, dataDirectory: signerHome.dataDirectory, genesisHash: tag)
        }
        #expect(try sign(vote(key, height: 8, block: 1), key, dataDirectory: signerHome.dataDirectory, genesisHash: tag) == signed)
        _ = try sign(vote(key, height: 9, type: .prevote, block: 1), key, dataDirectory: signerHome.dataDirectory, genesisHash: tag)

        // Importing the older file again keeps the later state.
        #expect(try SignerStateTransfer.importState(parsed, home: signerHome.root)
            == ["kept this store's signer state (height 9 round 0 prevote): it is not earlier than the moved one (height 8 round 0 precommit)"])
    }

    @Test("checkpoint epochs: exported from a node home that signed a checkpoint vote, imported into a fresh signer home, whose signer then refuses a vote at or below them and signs a later one")
    func checkpointEpochsMove() throws {
        let directory = try TemporaryDirectory()
        let (home, key) = try nodeHome(in: directory)
        func checkpointVote(source: UInt64, target: UInt64) -> CheckpointVote {
            CheckpointVote(validatorAddress: key.publicKey.address, source: Checkpoint(epoch: source, blockHash: Hash.sha256([UInt8(source)])),
                           target: Checkpoint(epoch: target, blockHash: Hash.sha256([UInt8(target)])))
        }
        let signed = checkpointVote(source: 3, target: 4)
        do {
            let store = try NodeStore.open(dataDirectory: home.dataDirectory, genesisHash: try home.loadGenesis().genesisHash)
            defer { store.close() }
            _ = try store.checkpointSigner.authorize(signed, signBytes: signed.signBytes(chainID: chainID), sign: { key.sign($0) })
        }
        let interchange = try SignerStateTransfer.export(home: home.root)
        #expect(interchange.checkpoint == SignerInterchange.Checkpoint(sourceEpoch: 3, targetEpoch: 4))
        let file = try directory.write("state.json", interchange.jsonText)
        #expect(try String(contentsOfFile: file, encoding: .utf8).contains("\"target_epoch\": \"4\""))

        let signerHome = SignerHome(directory.path + "/signer")
        let port = try #require(LocalPorts.freeBase(nodes: 1))
        try RemoteSignerSetup.initialize(signerHome: signerHome, chainID: chainID, listen: HostPort(host: "127.0.0.1", port: port),
                                         allowedNodeIDs: [KeyPair.generate().publicKey.address], validatorKey: key)
        let parsed = try SignerInterchange(json: Array(try Data(contentsOf: URL(fileURLWithPath: file))), file: file)
        #expect(try SignerStateTransfer.importState(parsed, home: signerHome.root)
            == ["adopted the checkpoint signer state: source epoch 3, target epoch 4"])

        let service = try SignerService.open(home: signerHome, logger: Logger(label: "interchange-test"))
        defer { service.close() }
        func answer(_ vote: CheckpointVote) -> SignerResponse { service.answer(.checkpointVote(chainID: chainID, vote: vote)) }
        // The very vote signed before the move too: the fresh home holds only its epochs.
        for vote in [signed, checkpointVote(source: 2, target: 3), checkpointVote(source: 2, target: 5)] {
            guard case .refused = answer(vote) else {
                Issue.record("the fresh signer home signed \(vote.source.epoch)->\(vote.target.epoch) after importing 3->4")
                continue
            }
        }
        let later = checkpointVote(source: 4, target: 5)
        guard case .signature(let signature) = answer(later) else {
            Issue.record("the fresh signer home refused 4->5")
            return
        }
        #expect(key.publicKey.verify(signature, message: later.signBytes(chainID: chainID)))
    }

    @Test("import refuses a file of another chain or another validator key, and a malformed file names the field")
    func refusals() throws {
        let directory = try TemporaryDirectory()
        let (home, key) = try nodeHome(in: directory)
        var interchange = try SignerStateTransfer.export(home: home.root)
        #expect(interchange.lastSigned == nil)
        interchange.lastSigned = SignerState(position: SignPosition(height: 3, round: 0, step: .prevote), signBytesHash: .zero, signature: .zero)
        var otherChain = interchange
        otherChain.chainID = "elsewhere"
        #expect(throws: NodeStartError.self) { try SignerStateTransfer.importState(otherChain, home: home.root) }
        var otherKey = interchange
        otherKey.validatorPublicKey = KeyPair.generate().publicKey
        #expect(throws: NodeStartError.self) { try SignerStateTransfer.importState(otherKey, home: home.root) }
        // Nothing was written by the refusals.
        #expect(try SignerStateTransfer.export(home: home.root).lastSigned == nil)
        #expect(interchange.validatorPublicKey == key.publicKey)

        let text = interchange.jsonText.replacingOccurrences(of: "\"height\": \"3\"", with: "\"height\": \"-3\"")
        do {
            _ = try SignerInterchange(json: Array(text.utf8), file: "state.json")
            Issue.record("a negative height was accepted")
        } catch {
            #expect(error.description.contains("last_signed.height"), "\(error)")
        }
    }
}
