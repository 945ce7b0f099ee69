import RatifyCore

/// An account: its spendable balance and the nonce its next transaction must carry.
public struct Account: Hashable, Sendable, CanonicalCodable {
    public var balance: UInt64
    public var nonce: UInt64

    public init(balance: UInt64 = 0, nonce: UInt64 = 0) {
        self.balance = balance
        self.nonce = nonce
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(balance)
        writer.write(nonce)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        balance = try reader.readUInt64("account.balance")
        nonce = try reader.readUInt64("account.nonce")
    }
}

/// A registered validator: its consensus key, name, operator (the account that registered it
/// with its first self-stake), the stake bonded to it, and its jail and downtime state.
public struct ValidatorRecord: Hashable, Sendable, CanonicalCodable {
    public var publicKey: PublicKey
    public var name: String
    public var operatorAddress: Address
    public var bondedTotal: UInt64
    /// Set while jailed: the first height at which `unjail` is accepted.
    public var jailedUntil: Height?
    /// Tombstoned validators (double signers) are jailed forever and never return.
    public var tombstoned: Bool
    /// Its precommits over the last downtime window of block time.
    public var downtime: DowntimeWindow

    public init(publicKey: PublicKey, name: String, operatorAddress: Address, bondedTotal: UInt64 = 0) {
        self.publicKey = publicKey
        self.name = name
        self.operatorAddress = operatorAddress
        self.bondedTotal = bondedTotal
        self.jailedUntil = nil
        self.tombstoned = false
        self.downtime = DowntimeWindow()
    }

    public var address: Address { publicKey.address }
    public var isJailed: Bool { jailedUntil != nil || tombstoned }

    public func encode(to writer: inout ByteWriter) {
        writer.write(publicKey)
        writer.writeString(name)
        writer.write(operatorAddress)
        writer.write(bondedTotal)
        writer.write(jailedUntil != nil)
        if let jailedUntil { writer.write(jailedUntil) }
        writer.write(tombstoned)
        downtime.encode(to: &writer)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        publicKey = try reader.readPublicKey("validator.public_key")
        name = try reader.readString(max: CodecLimits.nameBytesMax, "validator.name")
        operatorAddress = try reader.readAddress("validator.operator")
        bondedTotal = try reader.readUInt64("validator.bonded_total")
        jailedUntil = try reader.readBool("validator.jailed") ? try reader.readUInt64("validator.jailed_until") : nil
        tombstoned = try reader.readBool("validator.tombstoned")
        downtime = try DowntimeWindow(from: &reader)
    }
}

/// Tokens leaving a validator: released to `delegator`'s balance at `releaseHeight`.
public struct UnbondingEntry: Hashable, Sendable, CanonicalCodable {
    public var id: UInt64
    public var delegator: Address
    public var validator: PublicKey
    public var amount: UInt64
    public var creationHeight: Height
    public var releaseHeight: Height

    public init(id: UInt64, delegator: Address, validator: PublicKey, amount: UInt64, creationHeight: Height, releaseHeight: Height) {
        self.id = id
        self.delegator = delegator
        self.validator = validator
        self.amount = amount
        self.creationHeight = creationHeight
        self.releaseHeight = releaseHeight
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(id)
        writer.write(delegator)
        writer.write(validator)
        writer.write(amount)
        writer.write(creationHeight)
        writer.write(releaseHeight)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        id = try reader.readUInt64("unbonding.id")
        delegator = try reader.readAddress("unbonding.delegator")
        validator = try reader.readPublicKey("unbonding.validator")
        amount = try reader.readUInt64("unbonding.amount")
        creationHeight = try reader.readUInt64("unbonding.creation_height")
        releaseHeight = try reader.readUInt64("unbonding.release_height")
    }
}

/// Stake bonded by one account to one validator.
public struct DelegationKey: Hashable, Comparable, Sendable {
    public var delegator: Address
    public var validator: PublicKey

    public init(delegator: Address, validator: PublicKey) {
        self.delegator = delegator
        self.validator = validator
    }

    public static func < (lhs: DelegationKey, rhs: DelegationKey) -> Bool {
        (lhs.delegator, lhs.validator) < (rhs.delegator, rhs.validator)
    }
}
