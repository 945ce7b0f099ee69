import Logging
import RatifyCore

/// Where a validator's signatures come from: the key file in the node's home, or a remote
/// signer process that holds the key (`[priv_validator] laddr`). The node's own double-sign
/// guard runs in front of either; a remote signer runs its own as well.
public enum ValidatorSigner: Sendable {
    case local(KeyPair)
    case remote(RemoteSignerClient)

    /// The home's signer: the remote signer its `[priv_validator]` names, or else its key file.
    static func load(home: NodeHome, config: PrivValidatorConfig, chainID: String, nodeKey: KeyPair, logger: Logger) throws -> ValidatorSigner {
        if let address = config.listenAddress, let signerID = config.signerID, let publicKey = config.validatorPublicKey {
            // The key stays in the signer process; this home needs no validator_key.json.
            return .remote(RemoteSignerClient(config: config, address: address, signerID: signerID, validatorPublicKey: publicKey,
                                              chainID: chainID, nodeKey: nodeKey, logger: logger))
        }
        return .local(try home.loadValidatorKey())
    }

    public var publicKey: PublicKey {
        switch self {
        case .local(let key): key.publicKey
        case .remote(let client): client.validatorPublicKey
        }
    }

    /// The signature over `signBytes`, which are `request`'s sign bytes on this node's chain.
    func sign(_ request: SignerRequest, signBytes: [UInt8]) throws -> Signature {
        switch self {
        case .local(let key): key.sign(signBytes)
        case .remote(let client): try client.sign(request, signBytes: signBytes)
        }
    }
}
