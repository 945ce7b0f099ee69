import Foundation
import Testing
import RatifyCore
import RatifyNode
@testable import RatifyOps

/// The genesis files and validator homes in the repository stay valid and consistent.
@Suite("checked-in localnet files")
struct CheckedInFilesTests {
    /// The repository root, found from this file's path (Tests/RatifyOpsTests/...).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test("Genesis/localnet.json validates and every Validators/nodeX holds the same bytes")
    func localnet() throws {
        let path = Self.root + "/Genesis/localnet.json"
        let genesis = try GenesisFile.load(path)
        #expect(genesis.chainID == "ratify-localnet")
        #expect(genesis.mode == .pos)
        #expect(genesis.validators.count == 4)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for index in 0..<4 {
            let home = NodeHome(Self.root + "/Validators/node\(index)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: home.genesisFile)) == bytes)
            #expect(try home.loadValidatorKey().publicKey == genesis.validators[index].publicKey)
            let config = try home.loadConfig()
            #expect(config.p2p.listenAddress == HostPort(host: "127.0.0.1", port: UInt16(26656 + 10 * index)))
            #expect(config.p2p.persistentPeers.count == 3)
            #expect(!config.p2p.persistentPeers.contains { $0.nodeID == (try? home.loadNodeKey().publicKey.address) })
        }
    }

    @Test("Genesis/pow.json and hybrid.json validate, with the localnet's validators and a localnet difficulty")
    func powAndHybrid() throws {
        let localnet = try GenesisFile.load(Self.root + "/Genesis/localnet.json")
        for (file, mode) in [("pow.json", ChainMode.pow), ("hybrid.json", .hybrid)] {
            let genesis = try GenesisFile.load(Self.root + "/Genesis/" + file)
            #expect(genesis.mode == mode)
            #expect(genesis.validators == localnet.validators)
            // The generator's localnet difficulty (docs/POW.md); hybrid.json checkpoints every 4 blocks.
            #expect(genesis.pow.initialBits == TestnetGenerator.localnetPoW.initialBits)
            #expect(genesis.pow.epochLength == (mode == .pow ? 32 : TestnetGenerator.localnetHybridEpochLength))
            #expect(genesis.pow.retarget == .asert)
            #expect(genesis.chainID != localnet.chainID)
        }
    }
}
