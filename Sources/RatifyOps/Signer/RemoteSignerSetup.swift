import Foundation
import RatifyCore
import RatifyNode

/// `ratify signer init`: writes a signer home, and with a node home moves that node's
/// validator key into it and points the node at the signer (docs/SIGNER.md).
public enum RemoteSignerSetup {
    /// Who a signer home is: what a node's `[priv_validator]` needs.
    public struct Identity: Sendable, Equatable {
        public var signerID: Address
        public var validatorPublicKey: PublicKey
    }

    /// A new signer home for `chainID` holding `validatorKey`, listening on `listen` and
    /// serving `allowedNodeIDs`, with a fresh link key. Refuses a home that already has keys.
    @discardableResult
    public static func initialize(signerHome: SignerHome, chainID: String, listen: HostPort, allowedNodeIDs: [Address],
                                  validatorKey: KeyPair) throws -> Identity {
        let signerKey = KeyPair.generate()
        try signerHome.write(config: SignerConfig(chainID: chainID, listenAddress: listen, allowedNodeIDs: allowedNodeIDs),
                             validatorKey: validatorKey, signerKey: signerKey)
        return Identity(signerID: signerKey.publicKey.address, validatorPublicKey: validatorKey.publicKey)
    }

    /// Moves `nodeHome`'s validator key into a new signer home that serves that node, sets the
    /// node's `[priv_validator]` to the signer, then deletes the node's validator_key.json (the
    /// signer home holds the only copy). The node must be stopped.
    @discardableResult
    public static func move(nodeHome: NodeHome, to signerHome: SignerHome, listen: HostPort) throws -> Identity {
        var config = try nodeHome.loadConfig()
        guard config.privValidator.listenAddress == nil else {
            throw NodeStartError("\(nodeHome.configFile): priv_validator.laddr is already set; this node signs remotely")
        }
        let genesis = try nodeHome.loadGenesis()
        let nodeID = try nodeHome.loadNodeKey().publicKey.address
        let identity = try initialize(signerHome: signerHome, chainID: genesis.chainID, listen: listen, allowedNodeIDs: [nodeID],
                                      validatorKey: try nodeHome.loadValidatorKey())
        config.privValidator.listenAddress = listen
        config.privValidator.signerID = identity.signerID
        config.privValidator.validatorPublicKey = identity.validatorPublicKey
        try FileIO.write(nodeHome.configFile, Array(config.tomlText.utf8), mode: 0o644, exclusive: false)
        do {
            try FileManager.default.removeItem(atPath: nodeHome.validatorKeyFile)
        } catch {
            throw NodeStartError("\(nodeHome.validatorKeyFile): cannot remove it after moving the key to \(signerHome.validatorKeyFile): \(error)")
        }
        return identity
    }

    public static func identity(signerHome: SignerHome) throws -> Identity {
        Identity(signerID: try signerHome.loadSignerKey().publicKey.address, validatorPublicKey: try signerHome.loadValidatorKey().publicKey)
    }

    /// The `[priv_validator]` lines a node needs for this signer.
    public static func nodeConfigText(_ identity: Identity, listen: HostPort) -> String {
        """
        [priv_validator]
        laddr = "tcp://\(listen)"
        signer_id = "\(identity.signerID.hex)"
        validator_public_key = "\(identity.validatorPublicKey.hex)"
        """
    }
}
