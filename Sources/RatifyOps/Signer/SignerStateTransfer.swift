import Foundation
import RatifyCore
import RatifyNode
import RatifyStore

/// `ratify signer export` and `import`: the signer state of a node home (its local guard) or a
/// signer home, to and from `SignerInterchange` JSON. The home's process must be stopped (its
/// store is locked while it runs).
public enum SignerStateTransfer {
    /// Whose signer state a home holds: its chain, its validator key and its store.
    struct Opened {
        var chainID: String
        var validatorPublicKey: PublicKey
        var store: NodeStore
    }

    /// A signer home (it has config/signer.toml) or a node home.
    static func open(home path: String) throws -> Opened {
        let signerHome = SignerHome(path)
        if FileManager.default.fileExists(atPath: signerHome.configFile) {
            let config = try signerHome.loadConfig()
            let key = try signerHome.loadValidatorKey().publicKey
            let store = try NodeStore.open(dataDirectory: signerHome.dataDirectory, genesisHash: SignerHome.storeTag(chainID: config.chainID))
            return Opened(chainID: config.chainID, validatorPublicKey: key, store: store)
        }
        let nodeHome = NodeHome(path)
        let genesis = try nodeHome.loadGenesis()
        let config = try nodeHome.loadConfig()
        let key = try config.privValidator.validatorPublicKey ?? nodeHome.loadValidatorKey().publicKey
        let store = try NodeStore.open(dataDirectory: nodeHome.dataDirectory, genesisHash: genesis.genesisHash)
        return Opened(chainID: genesis.chainID, validatorPublicKey: key, store: store)
    }

    /// The home's signer state.
    public static func export(home: String) throws -> SignerInterchange {
        let opened = try open(home: home)
        defer { opened.store.close() }
        let checkpoint = try opened.store.checkpointSigner.lastSigned().map {
            SignerInterchange.Checkpoint(sourceEpoch: $0.sourceEpoch, targetEpoch: $0.targetEpoch)
        }
        return SignerInterchange(chainID: opened.chainID, validatorPublicKey: opened.validatorPublicKey,
                                 lastSigned: try opened.store.signer.lastSigned(), checkpoint: checkpoint)
    }

    /// Merges `interchange` into the home's signer state by maximum (one line per part, saying
    /// what was kept or adopted); refuses a file of another chain or validator key.
    public static func importState(_ interchange: SignerInterchange, home: String) throws -> [String] {
        let opened = try open(home: home)
        defer { opened.store.close() }
        guard interchange.chainID == opened.chainID else {
            throw NodeStartError("the file is for chain '\(interchange.chainID)', \(home) is on '\(opened.chainID)'; nothing imported")
        }
        guard interchange.validatorPublicKey == opened.validatorPublicKey else {
            throw NodeStartError("the file is for validator key \(interchange.validatorPublicKey.hex), \(home) holds \(opened.validatorPublicKey.hex); nothing imported")
        }
        let epochs = interchange.checkpoint.map { (source: $0.sourceEpoch, target: $0.targetEpoch) }
        return try opened.store.mergeSignerState(interchange.lastSigned, checkpointEpochs: epochs).lines
    }
}
