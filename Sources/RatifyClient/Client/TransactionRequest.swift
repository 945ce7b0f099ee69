import RatifyCore

/// A `ratify tx ...` command line as the CLI parsed it, still as text: this type turns it into
/// a signed, submitted transaction, so every value's check and message lives here (and is unit
/// tested) rather than in the CLI.
public struct TransactionRequest: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case transfer(to: String, amount: String)
        /// `name` registers a validator with a first self-stake.
        case stake(validator: String, amount: String, name: String?)
        case unstake(validator: String, amount: String)
        case unjail(validator: String)
    }

    public var kind: Kind
    /// The sending key's name in the keyring.
    public var from: String
    public var keyringDirectory: String?
    /// How the keyring writes keys; reading works for both forms (an encrypted `--from` key asks
    /// for its passphrase).
    public var keyringBackend: KeyringBackend
    public var node: String
    /// `--ca-file` for an `https://` node.
    public var caFile: String?
    public var fee: String?
    public var nonce: String?
    public var chainID: String?
    public var waitFinal: Bool

    public init(kind: Kind, from: String, keyringDirectory: String? = nil, keyringBackend: KeyringBackend = .file,
                node: String = NodeURL.defaultText, caFile: String? = nil, fee: String? = nil, nonce: String? = nil,
                chainID: String? = nil, waitFinal: Bool = false) {
        self.kind = kind
        self.from = from
        self.keyringDirectory = keyringDirectory
        self.keyringBackend = keyringBackend
        self.node = node
        self.caFile = caFile
        self.fee = fee
        self.nonce = nonce
        self.chainID = chainID
        self.waitFinal = waitFinal
    }

    public var keyring: Keyring { Keyring.at(keyringDirectory, backend: keyringBackend) }

    /// The payload, with keys and addresses given as hex or as key names in the keyring.
    public func payload() throws(ClientError) -> TransactionPayload {
        let keyring = self.keyring
        switch kind {
        case .transfer(let to, let amount):
            return .transfer(to: try ClientArguments.address(to, option: "--to", keyring: keyring),
                             amount: try ClientArguments.amount(amount))
        case .stake(let validator, let amount, let name):
            return .stake(validator: try ClientArguments.publicKey(validator, option: "--validator", keyring: keyring),
                          amount: try ClientArguments.amount(amount),
                          name: try name.map { name throws(ClientError) in try ClientArguments.validatorName(name) } ?? "")
        case .unstake(let validator, let amount):
            return .unstake(validator: try ClientArguments.publicKey(validator, option: "--validator", keyring: keyring),
                            amount: try ClientArguments.amount(amount))
        case .unjail(let validator):
            return .unjail(validator: try ClientArguments.publicKey(validator, option: "--validator", keyring: keyring))
        }
    }

    public func options() throws(ClientError) -> TransactionOptions {
        var options = TransactionOptions(waitFinal: waitFinal)
        if let fee { options.fee = try ClientArguments.unsigned(fee, option: "--fee") }
        if let nonce { options.nonce = try ClientArguments.unsigned(nonce, option: "--nonce") }
        if let chainID {
            if let problem = Genesis.chainIDProblem(chainID) { throw .argument(option: "--chain-id", reason: problem) }
            options.chainID = chainID
        }
        return options
    }

    /// Checks everything that can be checked offline, then builds and signs (asking the node
    /// for what was not given); `submit` or `dryRun` sends the result.
    public func signed() async throws(ClientError) -> Transaction {
        let payload = try payload()
        let options = try options()
        let node = try NodeURL.parse(node, caFile: caFile)
        let key: KeyPair
        do { key = try keyring.keyPair(from) } catch { throw .keyring(error) }
        return try await TransactionSender(client: RPCClient(node: node)).signed(payload, from: key, options: options)
    }

    /// `--generate-only`: the unsigned transaction, with the sender's public key read from the
    /// keyring without its passphrase; the node is asked only for a chain id or nonce not given.
    public func generate() async throws(ClientError) -> Transaction {
        let payload = try payload()
        let options = try options()
        let node = try NodeURL.parse(node, caFile: caFile)
        let sender: PublicKey
        do { sender = try keyring.show(from).publicKey } catch { throw .keyring(error) }
        return try await TransactionSender(client: RPCClient(node: node)).unsigned(payload, sender: sender, options: options)
    }

    /// `tx sign FILE`: signs an unsigned file's transaction with `from`, offline, after checking
    /// that the chain id, nonce and sender the signer states are the file's.
    public static func sign(file: String, from: String, keyring: Keyring, chainID: String, nonce: String) throws(ClientError) -> Transaction {
        let read: (transaction: Transaction, signed: Bool)
        do { read = try OfflineTransaction.read(from: file) } catch { throw .file(error) }
        var transaction = read.transaction
        guard !read.signed else {
            throw .file(FileFormatError(file: file, location: "", reason: "already signed; submit it with `ratify tx broadcast \(file)`"))
        }
        guard transaction.chainID == chainID else {
            throw .argument(option: "--chain-id", reason: "the file is for chain \(JSONWriter.quoted(transaction.chainID)), not \(JSONWriter.quoted(chainID)); nothing was signed")
        }
        let nonceValue = try ClientArguments.unsigned(nonce, option: "--nonce")
        guard transaction.nonce == nonceValue else {
            throw .argument(option: "--nonce", reason: "the file has nonce \(transaction.nonce), not \(nonceValue); nothing was signed")
        }
        let entry: KeyringEntry
        do { entry = try keyring.show(from) } catch { throw .keyring(error) }
        guard entry.publicKey == transaction.sender else {
            throw .argument(option: "--from", reason: "key \"\(from)\" is \(entry.publicKey.hex), but the file's sender is \(transaction.sender.hex); nothing was signed")
        }
        let key: KeyPair
        do { key = try keyring.keyPair(from) } catch { throw .keyring(error) }
        transaction.signature = key.sign(transaction.signBytes)
        return transaction
    }

    /// `tx broadcast FILE`: the signed file's transaction, for `submit` or `dryRun`.
    public static func signed(file: String) throws(ClientError) -> Transaction {
        let read: (transaction: Transaction, signed: Bool)
        do { read = try OfflineTransaction.read(from: file) } catch { throw .file(error) }
        guard read.signed else {
            throw .file(FileFormatError(file: file, location: "", reason: "not signed; sign it first with `ratify tx sign \(file) --from KEY --chain-id ID --nonce N`"))
        }
        return read.transaction
    }

    /// Submits a signed transaction to the node at `node` (`POST /tx`; with `waitFinal`, until it is
    /// final, as `TransactionSender.submit` describes).
    public static func submit(_ transaction: Transaction, node: String, caFile: String? = nil, waitFinal: Bool) async throws(ClientError) -> SubmitOutcome {
        try await TransactionSender(client: RPCClient(node: try NodeURL.parse(node, caFile: caFile))).submit(transaction, waitFinal: waitFinal)
    }

    /// Asks the node at `node` what it would do with a signed transaction, submitting nothing.
    public static func dryRun(_ transaction: Transaction, node: String, caFile: String? = nil) async throws(ClientError) -> DryRunOutcome {
        try await TransactionSender(client: RPCClient(node: try NodeURL.parse(node, caFile: caFile))).dryRun(transaction)
    }
}
