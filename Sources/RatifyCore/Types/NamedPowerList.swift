/// A list of named voting powers, `NAME:POWER,NAME:POWER,...`, as `ratify proposers` takes it,
/// and the proposer sequence it gives. It exists to compare Ratify's proposer selection with
/// CometBFT's by hand: CometBFT's own tests name validators the same way (`[]byte("foo")` as
/// the address), so the same list yields the same sequence in both.
///
/// A name becomes an address by taking its UTF-8 bytes and right-padding them with zero bytes
/// to 20 (`address(forName:)`). Zero is the smallest byte, so padding keeps the lexicographic
/// order of the names, which is the order CometBFT breaks priority ties by ("bar" < "baz" <
/// "foo" as names and as padded addresses alike, and a name sorts before its extensions, as Go's
/// `bytes.Compare` has it). Names that contain a zero byte are refused, since "a" and "a\0"
/// would pad to the same address; names longer than 20 bytes are refused rather than cut.
public struct NamedPowerList: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var votingPower: Int64
        public var address: Address
    }

    /// Why a `NAME:POWER,...` list is not valid. `position` counts entries from 1.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case emptyEntry(position: Int)
        case missingColon(position: Int, entry: String)
        case emptyName(position: Int)
        case nameTooLong(position: Int, name: String, bytes: Int)
        case nameContainsZeroByte(position: Int)
        case powerNotANumber(position: Int, name: String, power: String)
        case powerNotPositive(position: Int, name: String, power: Int64)
        case powerTooLarge(position: Int, name: String, power: Int64)
        case duplicateName(position: Int, name: String)
        case tooManyEntries(count: Int)

        public var description: String {
            switch self {
            case .empty:
                "no validators given; expected NAME:POWER,NAME:POWER,..."
            case .emptyEntry(let position):
                "entry \(position) is empty; expected NAME:POWER"
            case .missingColon(let position, let entry):
                "entry \(position) '\(entry)' has no ':'; expected NAME:POWER"
            case .emptyName(let position):
                "entry \(position) has an empty name"
            case .nameTooLong(let position, let name, let bytes):
                "entry \(position) name '\(name)' is \(bytes) bytes; names are at most \(NamedPowerList.nameBytesMax) bytes"
            case .nameContainsZeroByte(let position):
                "entry \(position) name contains a zero byte"
            case .powerNotANumber(let position, let name, let power):
                "entry \(position) '\(name)' power '\(power)' is not a whole number"
            case .powerNotPositive(let position, let name, let power):
                "entry \(position) '\(name)' power \(power) is not positive"
            case .powerTooLarge(let position, let name, let power):
                "entry \(position) '\(name)' power \(power) exceeds the maximum \(ValidatorSet.totalVotingPowerMax)"
            case .duplicateName(let position, let name):
                "entry \(position) repeats the name '\(name)'"
            case .tooManyEntries(let count):
                "\(count) validators given; at most \(CodecLimits.validatorsMax) are allowed"
            }
        }
    }

    /// The longest name: an address is 20 bytes.
    public static let nameBytesMax = Bytes20.count
    /// How many proposers `ratify proposers` prints at most; the cost is count × validators.
    public static let proposerCountRange: ClosedRange<Int> = 1...1_000_000

    /// In the order given.
    public let entries: [Entry]

    /// Parses `NAME:POWER,NAME:POWER,...`. Blanks around names and powers are ignored.
    public init(parsing text: String) throws(ParseError) {
        let pieces = text.split(separator: ",", omittingEmptySubsequences: false)
        if pieces.count == 1 && pieces[0].allSatisfy(\.isWhitespace) { throw .empty }
        if pieces.count > CodecLimits.validatorsMax { throw .tooManyEntries(count: pieces.count) }
        var entries: [Entry] = []
        entries.reserveCapacity(pieces.count)
        var seen = Set<String>()
        for (offset, piece) in pieces.enumerated() {
            let position = offset + 1
            let entry = Self.trimmed(piece)
            if entry.isEmpty { throw .emptyEntry(position: position) }
            guard let colon = entry.firstIndex(of: ":") else {
                throw .missingColon(position: position, entry: String(entry))
            }
            let name = String(Self.trimmed(entry[..<colon]))
            let powerText = String(Self.trimmed(entry[entry.index(after: colon)...]))
            if name.isEmpty { throw .emptyName(position: position) }
            if name.utf8.contains(0) { throw .nameContainsZeroByte(position: position) }
            guard let address = Self.address(forName: name) else {
                throw .nameTooLong(position: position, name: name, bytes: name.utf8.count)
            }
            guard let power = Int64(powerText) else {
                throw .powerNotANumber(position: position, name: name, power: powerText)
            }
            if power <= 0 { throw .powerNotPositive(position: position, name: name, power: power) }
            if power > ValidatorSet.totalVotingPowerMax { throw .powerTooLarge(position: position, name: name, power: power) }
            guard seen.insert(name).inserted else { throw .duplicateName(position: position, name: name) }
            entries.append(Entry(name: name, votingPower: power, address: address))
        }
        self.entries = entries
    }

    /// The name's UTF-8 bytes right-padded with zero bytes to 20, or nil if the name is longer
    /// than 20 bytes. See the type's comment for why padding preserves the tie-break order.
    public static func address(forName name: String) -> Address? {
        let bytes = Array(name.utf8)
        guard bytes.count <= nameBytesMax else { return nil }
        return Address(bytes + [UInt8](repeating: 0, count: nameBytesMax - bytes.count))
    }

    /// The set these powers make, as CometBFT's `NewValidatorSet` would. Public keys are all
    /// zero: proposer selection never reads them.
    public func validatorSet() throws(ValidatorSetError) -> ValidatorSet {
        try ValidatorSet(validators: entries.map {
            Validator(address: $0.address, publicKey: PublicKey(raw: .zero), votingPower: $0.votingPower)
        })
    }

    /// The names of the first `count` proposers: the new set's proposer, then the proposer after
    /// each further round, as CometBFT's TestProposerSelection1 reads them. Empty for a `count`
    /// of 0 or less.
    public func proposerNames(count: Int) throws(ValidatorSetError) -> [String] {
        guard count > 0 else { return [] }
        var set = try validatorSet()
        var nameByAddress: [Address: String] = [:]
        for entry in entries { nameByAddress[entry.address] = entry.name }
        var names: [String] = []
        names.reserveCapacity(count)
        for round in 0..<count {
            if round > 0 { set.incrementProposerPriority(times: 1) }
            names.append(nameByAddress[set.proposer.address] ?? set.proposer.address.hex)
        }
        return names
    }

    private static func trimmed(_ text: Substring) -> Substring {
        var result = text
        while let first = result.first, first.isWhitespace { result.removeFirst() }
        while let last = result.last, last.isWhitespace { result.removeLast() }
        return result
    }
}
