import Testing
@testable import RatifyCore

@Suite("hex")
struct HexTests {
    @Test("hex round-trips and rejects odd lengths and non-hex characters")
    func roundTrip() {
        let bytes: [UInt8] = [0x00, 0x01, 0xab, 0xff]
        #expect(Hex.encode(bytes) == "0001abff")
        #expect(Hex.decode("0001ABff") == bytes)
        #expect(Hex.decode("0x0001abff") == bytes)
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}
