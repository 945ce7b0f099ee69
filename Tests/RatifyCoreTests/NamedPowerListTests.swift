import Testing
@testable import RatifyCore

/// `ratify proposers`' input: NAME:POWER lists and the name-to-address mapping.
@Suite("named power lists (ratify proposers)")
struct NamedPowerListTests {
    @Test("a list parses in order, with blanks around names and powers ignored")
    func parses() throws {
        let list = try NamedPowerList(parsing: "foo:1000, bar :300 ,baz: 330")
        #expect(list.entries.map(\.name) == ["foo", "bar", "baz"])
        #expect(list.entries.map(\.votingPower) == [1000, 300, 330])
        #expect(list.entries[0].address.bytes == Array("foo".utf8) + [UInt8](repeating: 0, count: 17))
    }

    @Test("a name is its UTF-8 bytes zero-padded to 20; longer names have no address")
    func addressMapping() {
        #expect(NamedPowerList.address(forName: "")?.bytes == [UInt8](repeating: 0, count: 20))
        #expect(NamedPowerList.address(forName: "avalidator_address12")?.bytes == Array("avalidator_address12".utf8))
        #expect(NamedPowerList.address(forName: "avalidator_address123") == nil)
        #expect(NamedPowerList.address(forName: "é")?.bytes.prefix(3) == [0xC3, 0xA9, 0])
        // Padding preserves name order, which breaks priority ties.
        let names = ["foo", "bar", "baz", "fo", "foob", "a", "b"]
        let byAddress = names.sorted { (NamedPowerList.address(forName: $0) ?? .zero) < (NamedPowerList.address(forName: $1) ?? .zero) }
        #expect(byAddress == names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    @Test("bad lists name the entry and what is wrong", arguments: [
        ("", NamedPowerList.ParseError.empty),
        ("  ", .empty),
        ("foo", .missingColon(position: 1, entry: "foo")),
        ("foo:1,bar", .missingColon(position: 2, entry: "bar")),
        ("foo:1,,bar:2", .emptyEntry(position: 2)),
        ("foo:1,", .emptyEntry(position: 2)),
        (":5", .emptyName(position: 1)),
        ("foo:abc", .powerNotANumber(position: 1, name: "foo", power: "abc")),
        ("foo:", .powerNotANumber(position: 1, name: "foo", power: "")),
        ("foo:1:2", .powerNotANumber(position: 1, name: "foo", power: "1:2")),
        ("foo:1.5", .powerNotANumber(position: 1, name: "foo", power: "1.5")),
        ("foo:99999999999999999999", .powerNotANumber(position: 1, name: "foo", power: "99999999999999999999")),
        ("foo:0", .powerNotPositive(position: 1, name: "foo", power: 0)),
        ("foo:-3", .powerNotPositive(position: 1, name: "foo", power: -3)),
        ("foo:\(Int64.max)", .powerTooLarge(position: 1, name: "foo", power: .max)),
        ("foo:1,bar:2,foo:3", .duplicateName(position: 3, name: "foo")),
        ("avalidator_address123:1", .nameTooLong(position: 1, name: "avalidator_address123", bytes: 21)),
        ("a\u{0}:1", .nameContainsZeroByte(position: 1)),
    ])
    func refuses(text: String, error: NamedPowerList.ParseError) {
        #expect(throws: error) { try NamedPowerList(parsing: text) }
        #expect(!error.description.contains("\n"), "errors are one line")
    }

    @Test("more entries than a set may hold are refused")
    func tooManyEntries() {
        let text = (0...CodecLimits.validatorsMax).map { "v\($0):1" }.joined(separator: ",")
        #expect(throws: NamedPowerList.ParseError.tooManyEntries(count: CodecLimits.validatorsMax + 1)) {
            try NamedPowerList(parsing: text)
        }
    }

    @Test("proposerNames reproduces TestProposerSelection1 through the CLI's path")
    func proposerNamesMatchesComet() throws {
        let names = try NamedPowerList(parsing: "foo:1000,bar:300,baz:330").proposerNames(count: 99)
        #expect(names.count == 99)
        #expect(names.prefix(20).joined(separator: " ")
                == "foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar")
        #expect(names.suffix(5).joined(separator: " ") == "bar foo baz foo foo")
        #expect(try NamedPowerList(parsing: "a:1").proposerNames(count: 0) == [])
    }

    @Test("a total over the cap is refused when the set is built")
    func totalOverCap() throws {
        let half = ValidatorSet.totalVotingPowerMax / 2 + 1
        let list = try NamedPowerList(parsing: "a:\(half),b:\(half)")
        #expect(throws: ValidatorSetError.totalVotingPowerTooLarge(max: ValidatorSet.totalVotingPowerMax)) {
            try list.proposerNames(count: 1)
        }
    }

    @Test("the CLI's count range is 1...1,000,000")
    func countRange() {
        #expect(NamedPowerList.proposerCountRange == 1...1_000_000)
    }
}
