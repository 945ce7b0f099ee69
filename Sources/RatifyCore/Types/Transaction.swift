/// What a transaction does. Tags are part of the canonical encoding and never reused.
public enum TransactionPayload: Hashable, Sendable, CanonicalCodable {
    /// Move `amount` from the sender's balance to `to`.
    case transfer(to: Address, amount: UInt64)
    /// Bond `amount` of the sender's balance to the validator with consensus key `validator`.
    /// The first self-stake of a new key (sender key == validator key) registers a validator
    /// under `name`; otherwise `name` must be empty.
    case stake(validator: PublicKey, amount: UInt64, name: String)
    /// Start unbonding `amount` of the sender's stake on `validator`.
    case unstake(validator: PublicKey, amount: UInt64)
    /// Ask for a jailed validator (the sender's own) to return after its jail period.
    case unjail(validator: PublicKey)
    /// Submit evidence of a double vote.
    case evidence(DuplicateVoteEvidence)
    /// Submit evidence of a Casper FFG double or surround vote on a hybrid chain.
    case ffgEvidence(FFGSlashingEvidence)

    public var tag: UInt8 {
        switch self {
        case .transfer: 1
        case .stake: 2
        case .unstake: 3
        case .unjail: 4
        case .evidence: 5
        case .ffgEvidence: 6
        }
    }

    public var kindName: String {
        switch self {
        case .transfer: "transfer"
        case .stake: "stake"
        case .unstake: "unstake"
        case .unjail: "unjail"
        case .evidence: "evidence"
        case .ffgEvidence: "ffg-evidence"
        }
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(tag)
        switch self {
        case .transfer(let to, let amount):
            writer.write(to)
            writer.write(amount)
        case .stake(let validator, let amount, let name):
            writer.write(validator)
            writer.write(amount)
            writer.writeString(name)
        case .unstake(let validator, let amount):
            writer.write(validator)
            writer.write(amount)
        case .unjail(let validator):
            writer.write(validator)
        case .evidence(let evidence):
            writer.write(evidence)
        case .ffgEvidence(let evidence):
            writer.write(evidence)
        }
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let start = reader.offset
        switch try reader.readUInt8("payload.kind") {
        case 1:
            self = .transfer(to: try reader.readAddress("transfer.to"), amount: try reader.readUInt64("transfer.amount"))
        case 2:
            self = .stake(validator: try reader.readPublicKey("stake.validator"),
                          amount: try reader.readUInt64("stake.amount"),
                          name: try reader.readString(max: CodecLimits.nameBytesMax, "stake.name"))
        case 3:
            self = .unstake(validator: try reader.readPublicKey("unstake.validator"), amount: try reader.readUInt64("unstake.amount"))
        case 4:
            self = .unjail(validator: try reader.readPublicKey("unjail.validator"))
        case 5:
            self = .evidence(try DuplicateVoteEvidence(from: &reader))
        case 6:
            self = .ffgEvidence(try FFGSlashingEvidence(from: &reader))
        case let tag:
            throw reader.failure(.unknownTag(UInt64(tag)), "payload.kind", at: start)
        }
    }
}

/// A signed transaction. The sender's address is derived from `sender`; `nonce` is the
/// sender account's next nonce (replay protection); `fee` is paid whether or not the payload
/// succeeds. The signature covers `signBytes`: domain tag, chain id and every field but itself.
///
/// The hash and the sender's address are computed once, when the transaction is made or decoded
/// (from the bytes read) and again whenever a field changes, not on every use: a node asks for a
/// transaction's hash about seven times between admission and storage. Equality and `Hashable`
/// go by the hash, which covers every field.
public struct Transaction: Hashable, Sendable, CanonicalCodable {
    public var chainID: String { didSet { rehash() } }
    public var sender: PublicKey {
        didSet {
            senderAddress = sender.address
            rehash()
        }
    }
    public var nonce: UInt64 { didSet { rehash() } }
    public var fee: UInt64 { didSet { rehash() } }
    public var payload: TransactionPayload { didSet { rehash() } }
    public var signature: Signature { didSet { rehash() } }

    /// SHA-256 of the canonical encoding: the transaction's id.
    public private(set) var hash: Hash
    /// The address of `sender`.
    public private(set) var senderAddress: Address
    /// The length of the canonical encoding, known with the hash (the mempool's size limit).
    public private(set) var encodedBytesCount: Int

    public init(chainID: String, sender: PublicKey, nonce: UInt64, fee: UInt64,
                payload: TransactionPayload, signature: Signature = .zero) {
        self.chainID = chainID
        self.sender = sender
        self.nonce = nonce
        self.fee = fee
        self.payload = payload
        self.signature = signature
        senderAddress = sender.address
        hash = .zero
        encodedBytesCount = 0
        rehash()
    }

    private mutating func rehash() {
        let bytes = canonicalBytes
        hash = Hash.sha256(bytes)
        encodedBytesCount = bytes.count
    }

    /// Builds and signs a transaction with the sender's key pair.
    public static func signed(chainID: String, sender: KeyPair, nonce: UInt64, fee: UInt64,
                              payload: TransactionPayload) -> Transaction {
        var transaction = Transaction(chainID: chainID, sender: sender.publicKey, nonce: nonce, fee: fee, payload: payload)
        transaction.signature = sender.sign(transaction.signBytes)
        return transaction
    }

    public static func == (lhs: Transaction, rhs: Transaction) -> Bool { lhs.hash == rhs.hash }

    public func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    public var signBytes: [UInt8] {
        var writer = ByteWriter(capacity: 160)
        writer.writeString(SignDomain.transaction)
        encodeUnsigned(to: &writer)
        return writer.bytes
    }

    public func verifySignature() -> Bool {
        sender.verify(signature, message: signBytes)
    }

    private func encodeUnsigned(to writer: inout ByteWriter) {
        writer.writeString(chainID)
        writer.write(sender)
        writer.write(nonce)
        writer.write(fee)
        writer.write(payload)
    }

    public func encode(to writer: inout ByteWriter) {
        encodeUnsigned(to: &writer)
        writer.write(signature)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let start = reader.offset
        chainID = try reader.readString(max: CodecLimits.chainIDBytesMax, "tx.chain_id")
        sender = try reader.readPublicKey("tx.sender")
        nonce = try reader.readUInt64("tx.nonce")
        fee = try reader.readUInt64("tx.fee")
        payload = try TransactionPayload(from: &reader)
        signature = try reader.readSignature("tx.signature")
        let size = reader.offset - start
        if size > CodecLimits.transactionBytesMax {
            throw reader.failure(.lengthTooLarge(length: size, max: CodecLimits.transactionBytesMax), "tx", at: start)
        }
        // The encoding is canonical: the bytes just read are the transaction's canonical bytes.
        hash = reader.sha256(from: start)
        encodedBytesCount = size
        senderAddress = sender.address
    }

    /// The smallest possible encoding (a transfer with an empty chain id), used to bound
    /// list counts against the bytes left before allocating.
    public static let encodedBytesMin = 4 + 32 + 8 + 8 + 1 + 20 + 8 + 64
}
