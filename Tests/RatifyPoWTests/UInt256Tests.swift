import Testing
@testable import RatifyPoW

@Suite("UInt256: the arithmetic targets need")
struct UInt256Tests {
    static let sample = UInt256(hex: "00000000ffff0000000000000000000000000000000000000000000000001234")!

    @Test("hex round-trips; bad hex is rejected")
    func hex() {
        #expect(Self.sample.hex == "00000000ffff0000000000000000000000000000000000000000000000001234")
        #expect(UInt256(hex: "0x1") == .one)
        #expect(UInt256(hex: String(repeating: "f", count: 64)) == .max)
        #expect(UInt256(hex: String(repeating: "f", count: 65)) == nil)
        #expect(UInt256(hex: "g") == nil)
        #expect(UInt256(hex: "") == nil)
    }

    @Test("shifts move bits across limbs and drop what falls off")
    func shifts() {
        let one = UInt256.one
        #expect(one.shiftedLeft(by: 64) == UInt256(limb0: 0, limb1: 1, limb2: 0, limb3: 0))
        #expect(one.shiftedLeft(by: 255).limb3 == 1 << 63)
        #expect(one.shiftedLeft(by: 256) == .zero)
        #expect(one.shiftedLeft(by: 100).shiftedRight(by: 100) == one)
        #expect(UInt256.max.shiftedRight(by: 255) == one)
        #expect(UInt256.max.shiftedLeft(by: 70).shiftedRight(by: 70) == UInt256.max.shiftedRight(by: 70))
        #expect(Self.sample.shiftedLeft(by: -8) == Self.sample.shiftedRight(by: 8))
        #expect(Self.sample.shiftedRight(by: 4000) == .zero)
        #expect(one.shiftedLeft(by: 77).bitWidth == 78)
        #expect(UInt256.zero.bitWidth == 0)
    }

    @Test("addition and subtraction carry and report overflow")
    func addSubtract() {
        let almost = UInt256(limb0: .max, limb1: .max, limb2: 0, limb3: 0)
        #expect(almost.addingReportingOverflow(.one) == (UInt256(limb0: 0, limb1: 0, limb2: 1, limb3: 0), false))
        #expect(UInt256.max.addingReportingOverflow(.one) == (.zero, true))
        #expect(UInt256.zero.subtractingReportingOverflow(.one) == (.max, true))
        #expect(UInt256(limb0: 0, limb1: 0, limb2: 1, limb3: 0).subtractingReportingOverflow(.one) == (almost, false))
    }

    @Test("multiplication by a word keeps the high word; division inverts it")
    func multiplyDivide() throws {
        let (high, low) = UInt256.max.multipliedFullWidth(by: 3)
        #expect(high == 2)
        #expect(low == UInt256.max.subtractingReportingOverflow(UInt256(2)).partialValue)
        let product = Self.sample.multipliedReportingOverflow(by: 1_209_600)
        #expect(!product.overflow)
        let back = try #require(product.partialValue.quotientAndRemainder(dividingBy: UInt256(1_209_600)))
        #expect(back.quotient == Self.sample && back.remainder == .zero)
        let division = try #require(UInt256(1000).quotientAndRemainder(dividingBy: UInt256(7)))
        #expect(division.quotient == UInt256(142) && division.remainder == UInt256(6))
        #expect(UInt256.one.quotientAndRemainder(dividingBy: .zero) == nil)
        #expect(UInt256.max.quotientAndRemainder(dividingBy: .max)?.quotient == .one)
    }

    @Test("order is numeric, most significant limb first")
    func order() {
        #expect(UInt256(limb0: .max, limb1: 0, limb2: 0, limb3: 0) < UInt256(limb0: 0, limb1: 0, limb2: 0, limb3: 1))
        #expect(UInt256.zero < .one && !(UInt256.one < .one))
    }

    @Test("little-endian bytes read back as the same number")
    func bytes() {
        let bytes = Self.sample.littleEndianBytes
        #expect(bytes.count == 32 && bytes[0] == 0x34 && bytes[1] == 0x12)
        #expect(bytes.withUnsafeBytes { UInt256(littleEndianBytes: $0) } == Self.sample)
    }
}
