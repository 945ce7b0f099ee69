import Testing
@testable import RatifyCore

@Suite("genesis values")
struct GenesisValuesTests {
    @Test("RFC 3339 UTC times parse to the right instant and print back")
    func rfc3339() throws {
        let epoch = try #require(GenesisTime(rfc3339: "1970-01-01T00:00:00Z"))
        #expect(epoch.unixSeconds == 0)
        let leap = try #require(GenesisTime(rfc3339: "2024-02-29T12:34:56.5Z"))
        #expect(leap.unixSeconds == 1_709_210_096)
        #expect(leap.nanos == 500_000_000)
        #expect(leap.rfc3339 == "2024-02-29T12:34:56.500000000Z")
        #expect(GenesisTime(rfc3339: "1969-12-31T23:59:59Z")?.unixSeconds == -1)
        #expect(GenesisTime(rfc3339: "2023-02-29T00:00:00Z") == nil)
        #expect(GenesisTime(rfc3339: "2024-01-01T00:00:00+01:00") == nil)
        #expect(GenesisTime(rfc3339: "2024-01-01T24:00:00Z") == nil)
        #expect(GenesisTime(rfc3339: "2024-01-01T00:00:00.Z") == nil)
        #expect(GenesisTime(unixSeconds: 1_767_225_600)?.rfc3339 == "2026-01-01T00:00:00Z")
    }

    @Test("fractions parse exactly into parts per million")
    func fractions() {
        #expect(PartsPerMillion(decimal: "0.05")?.value == 50_000)
        #expect(PartsPerMillion(decimal: "1")?.value == 1_000_000)
        #expect(PartsPerMillion(decimal: "1.000000")?.value == 1_000_000)
        #expect(PartsPerMillion(decimal: "0.000001")?.value == 1)
        #expect(PartsPerMillion(decimal: "1.000001") == nil)
        #expect(PartsPerMillion(decimal: ".5") == nil)
        #expect(PartsPerMillion(decimal: "-0.1") == nil)
        #expect(PartsPerMillion(decimal: "0.5e1") == nil)
        #expect(PartsPerMillion(clamping: 50_000).decimal == "0.05")
        #expect(PartsPerMillion(clamping: 50_000).apply(to: UInt64.max) == UInt64.max / 20)
    }

    @Test("compact targets: regtest's is valid, negative, zero and overflowing ones are not")
    func compactBits() {
        #expect(PoWParams.compactBitsProblem(0x207f_ffff) == nil)
        #expect(PoWParams.compactBitsProblem(0x1d00_ffff) == nil)
        #expect(PoWParams.compactBitsProblem(0x2080_0000) != nil)
        #expect(PoWParams.compactBitsProblem(0x2000_0000) != nil)
        #expect(PoWParams.compactBitsProblem(0x2301_0000) != nil)
    }

    @Test("the JSON parser decodes escapes and surrogate pairs and refuses control characters")
    func jsonStrings() throws {
        let value = try JSONParser.parse(Array(#"["a\"\\\/\n\u00e9\ud83d\ude00"]"#.utf8), file: "f")
        #expect(value == .array([.string("a\"\\/\né😀")]))
        #expect(throws: FileFormatError.self) { try JSONParser.parse(Array("[\"\u{01}\"]".utf8), file: "f") }
        #expect(throws: FileFormatError.self) { try JSONParser.parse(Array(#"["\ud83d"]"#.utf8), file: "f") }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: FileFormatError.self) { try JSONParser.parse(Array(deep.utf8), file: "f") }
    }
}
