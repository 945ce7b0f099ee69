import RatifyCore

/// The whole application state after some height: accounts, validators, delegations and
/// unbonding entries. It is a value: executing a block on a copy and discarding it leaves the
/// original untouched.
///
/// The state is persisted as key-value pairs (`keyValues`, `writes`) whose keys start with a
/// one-byte table tag and whose values are canonical encodings. The app hash is the Merkle
/// root of SHA-256(key ‖ value) over all pairs in key order, so every node with the same
/// state gets the same hash regardless of how it got there.
public struct LedgerState: Sendable, Equatable {
    enum Table: UInt8 {
        case account = 1
        case validator = 2
        case delegation = 3
        case unbonding = 4
        case meta = 5
    }

    /// The last height whose block has been applied (0 = genesis).
    public internal(set) var height: Height
    public internal(set) var accounts: [Address: Account]
    public internal(set) var validators: [PublicKey: ValidatorRecord]
    public internal(set) var delegations: [DelegationKey: UInt64]
    /// Ordered by release height, then id.
    public internal(set) var unbonding: [UnbondingEntry]
    var nextUnbondingID: UInt64

    /// Keys changed since the last `takeWrites()`.
    var dirtyKeys: Set<[UInt8]> = []
    /// The app hash's leaves as of the last `updateAppHash()` (nil until the first), and the
    /// keys changed since.
    private var hashLeaves: AppHashLeaves?
    private var staleHashKeys: Set<[UInt8]> = []

    public init() {
        height = 0
        accounts = [:]
        validators = [:]
        delegations = [:]
        unbonding = []
        nextUnbondingID = 1
    }

    public static func == (lhs: LedgerState, rhs: LedgerState) -> Bool {
        lhs.height == rhs.height && lhs.accounts == rhs.accounts && lhs.validators == rhs.validators
            && lhs.delegations == rhs.delegations && lhs.unbonding == rhs.unbonding
            && lhs.nextUnbondingID == rhs.nextUnbondingID
    }

    public func account(_ address: Address) -> Account { accounts[address] ?? Account() }

    public func validator(address: Address) -> ValidatorRecord? {
        validators.values.first { $0.address == address }
    }

    public func delegation(_ delegator: Address, _ validator: PublicKey) -> UInt64 {
        delegations[DelegationKey(delegator: delegator, validator: validator)] ?? 0
    }

    // MARK: Mutation with change tracking

    mutating func setAccount(_ address: Address, _ account: Account) {
        accounts[address] = account
        markChanged(Self.key(.account, address.bytes))
    }

    mutating func setValidator(_ record: ValidatorRecord) {
        validators[record.publicKey] = record
        markChanged(Self.key(.validator, record.publicKey.bytes))
    }

    mutating func setDelegation(_ key: DelegationKey, _ amount: UInt64) {
        delegations[key] = amount == 0 ? nil : amount
        markChanged(Self.key(.delegation, key.delegator.bytes + key.validator.bytes))
    }

    mutating func addUnbonding(_ entry: UnbondingEntry) {
        let index = unbonding.firstIndex { ($0.releaseHeight, $0.id) > (entry.releaseHeight, entry.id) } ?? unbonding.endIndex
        unbonding.insert(entry, at: index)
        markChanged(Self.unbondingKey(entry.id))
    }

    mutating func replaceUnbonding(at index: Int, with entry: UnbondingEntry?) {
        markChanged(Self.unbondingKey(unbonding[index].id))
        if let entry { unbonding[index] = entry } else { unbonding.remove(at: index) }
    }

    mutating func setHeight(_ newHeight: Height) {
        height = newHeight
        markChanged(Self.metaKey)
    }

    private mutating func markChanged(_ key: [UInt8]) {
        dirtyKeys.insert(key)
        staleHashKeys.insert(key)
    }

    // MARK: Persistence

    static func key(_ table: Table, _ suffix: [UInt8]) -> [UInt8] { [table.rawValue] + suffix }
    static func unbondingKey(_ id: UInt64) -> [UInt8] { withUnsafeBytes(of: id.bigEndian) { key(.unbonding, Array($0)) } }
    static let metaKey: [UInt8] = [Table.meta.rawValue]

    /// The current value stored under `key`, or nil if the key is absent (a proof-of-work
    /// node records these before a block as the block's undo data).
    public func value(forKey key: [UInt8]) -> [UInt8]? {
        guard let first = key.first, let table = Table(rawValue: first) else { return nil }
        let suffix = key.dropFirst()
        switch table {
        case .account:
            return Address(suffix).flatMap { accounts[$0]?.canonicalBytes }
        case .validator:
            return PublicKey(suffix).flatMap { validators[$0]?.canonicalBytes }
        case .delegation:
            guard suffix.count == 52, let delegator = Address(suffix.prefix(20)), let validator = PublicKey(suffix.suffix(32)),
                  let amount = delegations[DelegationKey(delegator: delegator, validator: validator)] else { return nil }
            var writer = ByteWriter(capacity: 8)
            writer.write(amount)
            return writer.bytes
        case .unbonding:
            guard suffix.count == 8 else { return nil }
            let id = suffix.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return unbonding.first { $0.id == id }?.canonicalBytes
        case .meta:
            var writer = ByteWriter(capacity: 16)
            writer.write(height)
            writer.write(nextUnbondingID)
            return writer.bytes
        }
    }

    /// Every key-value pair of the state, in key order.
    public func keyValues() -> [(key: [UInt8], value: [UInt8])] {
        var keys: [[UInt8]] = [Self.metaKey]
        keys += accounts.keys.map { Self.key(.account, $0.bytes) }
        keys += validators.keys.map { Self.key(.validator, $0.bytes) }
        keys += delegations.keys.map { Self.key(.delegation, $0.delegator.bytes + $0.validator.bytes) }
        keys += unbonding.map { Self.unbondingKey($0.id) }
        keys.sort { $0.lexicographicallyPrecedes($1) }
        return keys.compactMap { key in value(forKey: key).map { (key, $0) } }
    }

    /// The pairs changed since the last call (nil value = deleted), in key order, and forgets them.
    public mutating func takeWrites() -> [(key: [UInt8], value: [UInt8]?)] {
        let keys = dirtyKeys.sorted { $0.lexicographicallyPrecedes($1) }
        dirtyKeys.removeAll(keepingCapacity: true)
        return keys.map { ($0, value(forKey: $0)) }
    }

    /// The Merkle root of SHA-256(key ‖ value) over every pair, computed from scratch.
    public var appHash: Hash {
        AppHashLeaves(pairs: keyValues()).root
    }

    /// The same value as `appHash`, rehashing only the pairs changed since the last call.
    public mutating func updateAppHash() -> Hash {
        guard var leaves = hashLeaves else {
            let built = AppHashLeaves(pairs: keyValues())
            hashLeaves = built
            staleHashKeys.removeAll(keepingCapacity: true)
            return built.root
        }
        hashLeaves = nil  // keeps `leaves` uniquely referenced while it changes
        for key in staleHashKeys { leaves.set(key, value: value(forKey: key)) }
        staleHashKeys.removeAll(keepingCapacity: true)
        hashLeaves = leaves
        return leaves.root
    }

    public enum LoadError: Error, Equatable, CustomStringConvertible {
        case badKey([UInt8])
        case badValue(key: [UInt8], DecodeError)

        public var description: String {
            switch self {
            case .badKey(let key): "ledger state: unknown key \(Hex.encode(key))"
            case .badValue(let key, let error): "ledger state: value under \(Hex.encode(key)) is corrupt: \(error)"
            }
        }
    }

    /// Rebuilds the state from stored pairs; any unknown key or undecodable value is an error.
    public static func load(from pairs: some Sequence<(key: [UInt8], value: [UInt8])>) throws(LoadError) -> LedgerState {
        var state = LedgerState()
        for (key, value) in pairs {
            guard let first = key.first, let table = Table(rawValue: first) else { throw .badKey(key) }
            let suffix = key.dropFirst()
            do {
                switch table {
                case .account:
                    guard let address = Address(suffix) else { throw LoadError.badKey(key) }
                    state.accounts[address] = try Account(canonicalBytes: value)
                case .validator:
                    let record = try ValidatorRecord(canonicalBytes: value)
                    guard PublicKey(suffix) == record.publicKey else { throw LoadError.badKey(key) }
                    state.validators[record.publicKey] = record
                case .delegation:
                    guard suffix.count == 52, let delegator = Address(suffix.prefix(20)),
                          let validator = PublicKey(suffix.suffix(32)) else { throw LoadError.badKey(key) }
                    let amount = try UInt64Value(canonicalBytes: value).value
                    state.delegations[DelegationKey(delegator: delegator, validator: validator)] = amount
                case .unbonding:
                    state.unbonding.append(try UnbondingEntry(canonicalBytes: value))
                case .meta:
                    let meta = try Meta(canonicalBytes: value)
                    state.height = meta.height
                    state.nextUnbondingID = meta.nextUnbondingID
                }
            } catch let error as LoadError {
                throw error
            } catch let error as DecodeError {
                throw .badValue(key: key, error)
            } catch {
                throw .badKey(key)
            }
        }
        state.unbonding.sort { ($0.releaseHeight, $0.id) < ($1.releaseHeight, $1.id) }
        return state
    }
}

private struct UInt64Value: CanonicalDecodable {
    var value: UInt64
    init(from reader: inout ByteReader) throws(DecodeError) { value = try reader.readUInt64("amount") }
}

private struct Meta: CanonicalDecodable {
    var height: Height
    var nextUnbondingID: UInt64
    init(from reader: inout ByteReader) throws(DecodeError) {
        height = try reader.readUInt64("meta.height")
        nextUnbondingID = try reader.readUInt64("meta.next_unbonding_id")
    }
}
