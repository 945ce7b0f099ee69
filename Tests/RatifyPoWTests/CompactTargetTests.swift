import Testing
@testable import RatifyPoW

@Suite("compact bits and targets: SetCompact/GetCompact semantics and chain work")
struct CompactTargetTests {
    /// Bitcoin Core's src/test/arith_uint256_tests.cpp, "bignum_SetCompact": bits, the value
    /// SetCompact gives (hex), its flags, and what GetCompact gives back (with the sign).
    static let cases: [(bits: UInt32, target: String, negative: Bool, overflow: Bool, compact: UInt32)] = [
        (0x0000_0000, "0", false, false, 0),
        (0x0012_3456, "0", false, false, 0),
        (0x0100_3456, "0", false, false, 0),
        (0x0200_0056, "0", false, false, 0),
        (0x0300_0000, "0", false, false, 0),
        (0x0400_0000, "0", false, false, 0),
        (0x0092_3456, "0", false, false, 0),
        (0x0180_3456, "0", false, false, 0),
        (0x0280_0056, "0", false, false, 0),
        (0x0380_0000, "0", false, false, 0),
        (0x0480_0000, "0", false, false, 0),
        (0x0112_3456, "12", false, false, 0x0112_0000),
        (0x01fe_dcba, "7e", true, false, 0x01fe_0000),
        (0x0212_3456, "1234", false, false, 0x0212_3400),
        (0x0312_3456, "123456", false, false, 0x0312_3456),
        (0x0412_3456, "12345600", false, false, 0x0412_3456),
        (0x0492_3456, "12345600", true, false, 0x0492_3456),
        (0x0500_9234, "92340000", false, false, 0x0500_9234),
        (0x2012_3456, "1234560000000000000000000000000000000000000000000000000000000000", false, false, 0x2012_3456),
    ]

    @Test("Bitcoin Core's SetCompact cases decode and re-encode identically", arguments: cases.indices)
    func coreCases(index: Int) throws {
        let testCase = Self.cases[index]
        let decoded = CompactTarget(bits: testCase.bits).decoded
        #expect(decoded.target == UInt256(hex: testCase.target))
        #expect(decoded.isNegative == testCase.negative)
        #expect(decoded.isOverflow == testCase.overflow)
        #expect(CompactTarget(target: decoded.target, negative: decoded.isNegative).bits == testCase.compact)
    }

    @Test("0xff123456 overflows; 0x80 encodes as 0x02008000; zero, negative and overflow have no target")
    func flagsAndEdges() {
        #expect(CompactTarget(bits: 0xff12_3456).decoded.isOverflow)
        #expect(!CompactTarget(bits: 0xff12_3456).decoded.isNegative)
        #expect(CompactTarget(target: UInt256(0x80)).bits == 0x0200_8000)
        #expect(CompactTarget(bits: 0x0300_0000).target == nil)
        #expect(CompactTarget(bits: 0x0492_3456).target == nil)
        #expect(CompactTarget(bits: 0x2200_00ff).target != nil)  // 0xff << 248: fits
        #expect(CompactTarget(bits: 0x2200_0100).target == nil)  // 1 << 256: does not
        #expect(CompactTarget(bits: 0x2100_ffff).target != nil)
        #expect(CompactTarget(bits: 0x2101_0000).target == nil)
        #expect(CompactTarget(bits: 0x2300_0001).target == nil)
    }

    @Test("the genesis bits 0x1d00ffff: target, difficulty-1 work 0x100010001, and the limit")
    func genesisTarget() {
        let bits = CompactTarget(bits: 0x1d00_ffff)
        #expect(bits.target?.hex == "00000000ffff0000000000000000000000000000000000000000000000000000")
        #expect(bits.work == UInt256(0x1_0001_0001))
        #expect(BitcoinRetarget.bitcoinMainnet.powLimit == bits.target)
    }

    @Test("work is 2^256 / (target + 1): exact on powers of two, one for the largest target, zero when invalid")
    func work() {
        // target = 2^k - 1  =>  work = 2^(256-k)
        for k in [8, 32, 200, 255] {
            let target = UInt256.one.shiftedLeft(by: k).subtractingReportingOverflow(.one).partialValue
            let work = workOf(target: target)
            #expect(work == UInt256.one.shiftedLeft(by: 256 - k), "k = \(k)")
        }
        #expect(workOf(target: .max) == .one)
        #expect(CompactTarget(bits: 0x0492_3456).work == .zero)
        #expect(CompactTarget(bits: 0).work == .zero)
        // Harder bits mean more work.
        #expect(CompactTarget(bits: 0x1b04_864c).work > CompactTarget(bits: 0x1d00_ffff).work)
    }

    /// `work` on an exact target, without going through the 23-bit compact rounding.
    func workOf(target: UInt256) -> UInt256 {
        let (divisor, overflow) = target.addingReportingOverflow(.one)
        if overflow { return .one }
        return ((~target).quotientAndRemainder(dividingBy: divisor)?.quotient ?? .zero).addingReportingOverflow(.one).partialValue
    }

    @Test("random bits never trap; usable ones re-encode to bits with the same target")
    func randomBits() {
        var random = SplitMix64(seed: 0xB175)
        var usable = 0
        for iteration in 0..<200_000 {
            let bits = CompactTarget(bits: UInt32.random(in: 0...UInt32.max, using: &random))
            _ = bits.work
            guard let target = bits.target else { continue }
            usable += 1
            let again = CompactTarget(target: target)
            #expect(again.target == target, "seed 0xB175, iteration \(iteration), bits \(bits)")
            #expect(CompactTarget(target: again.target ?? .zero) == again)
        }
        #expect(usable > 10_000)
    }

    @Test("hex bits parse with or without 0x; anything else is rejected")
    func hexParsing() {
        #expect(CompactTarget(hex: "1d00ffff")?.bits == 0x1d00_ffff)
        #expect(CompactTarget(hex: "0x207fffff")?.bits == 0x207f_ffff)
        for bad in ["", "0x", "1d00ffff0", "+1d00ff", "-1", "xyz", "1d 00ff"] {
            #expect(CompactTarget(hex: bad) == nil, "\(bad)")
        }
    }
}
