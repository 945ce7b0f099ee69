import RatifyCore
import Testing
@testable import RatifyPoW

@Suite("retargeting: Bitcoin's rule and ASERT")
struct RetargetTests {
    static let bitcoin = BitcoinRetarget.bitcoinMainnet

    // Bitcoin Core's src/test/pow_tests.cpp, CalculateNextWorkRequired with mainnet parameters.
    @Test("get_next_work: the first real adjustment, at block 32256")
    func getNextWork() {
        let next = Self.bitcoin.nextBits(lastBits: CompactTarget(bits: 0x1d00ffff), actualTimespan: 1262152739 - 1261130161)
        #expect(next.bits == 0x1d00d86a)
    }

    @Test("get_next_work_pow_limit: a slow interval cannot go easier than the limit")
    func getNextWorkPowLimit() {
        let next = Self.bitcoin.nextBits(lastBits: CompactTarget(bits: 0x1d00ffff), actualTimespan: 1233061996 - 1231006505)
        #expect(next.bits == 0x1d00ffff)
    }

    @Test("get_next_work_lower_limit_actual: a fast interval is clamped to a quarter")
    func getNextWorkLowerLimitActual() {
        let next = Self.bitcoin.nextBits(lastBits: CompactTarget(bits: 0x1c05a3f4), actualTimespan: 1279297671 - 1279008237)
        #expect(next.bits == 0x1c0168fd)
    }

    @Test("get_next_work_upper_limit_actual: a slow interval is clamped to four times")
    func getNextWorkUpperLimitActual() {
        let next = Self.bitcoin.nextBits(lastBits: CompactTarget(bits: 0x1c387f6f), actualTimespan: 1269211443 - 1263163443)
        #expect(next.bits == 0x1d00e1fd)
    }

    @Test("real headers: 30240 and 32255 give 32256's bits; 32256 and 34271 give 34272's")
    func realHeaders() throws {
        func header(_ height: UInt64) throws -> BlockHeader80 {
            try BlockHeader80(hex: #require(BitcoinHeaders.all.first { $0.height == height }).hex)
        }
        for (first, last, next) in [(30240, 32255, 32256), (32256, 34271, 34272)] as [(UInt64, UInt64, UInt64)] {
            let (firstHeader, lastHeader, nextHeader) = (try header(first), try header(last), try header(next))
            #expect(Self.bitcoin.isAdjustmentHeight(next) && !Self.bitcoin.isAdjustmentHeight(last))
            let bits = Self.bitcoin.nextBits(lastBits: lastHeader.bits,
                                             actualTimespan: Int64(lastHeader.time) - Int64(firstHeader.time))
            #expect(bits == nextHeader.bits, "block \(next)")
            #expect(bits != lastHeader.bits)
        }
    }

    @Test("the clamp is symmetric and extreme timespans never trap")
    func clampAndExtremes() {
        let bits = CompactTarget(bits: 0x1c05a3f4)
        #expect(Self.bitcoin.nextBits(lastBits: bits, actualTimespan: .min) == Self.bitcoin.nextBits(lastBits: bits, actualTimespan: 0))
        #expect(Self.bitcoin.nextBits(lastBits: bits, actualTimespan: .max) == Self.bitcoin.nextBits(lastBits: bits, actualTimespan: 4 * 1_209_600))
        // A target near 2^256 times four overflows 256 bits: the answer is the limit, not a trap.
        let easy = BitcoinRetarget(interval: 10, targetTimespan: 100, powLimit: CompactTarget(bits: 0x207fffff).decoded.target)
        #expect(easy.nextBits(lastBits: CompactTarget(bits: 0x207fffff), actualTimespan: 1000).bits == 0x207fffff)
        #expect(easy.nextBits(lastBits: CompactTarget(bits: 0x207fffff), actualTimespan: 25).bits == 0x201fffff)
    }

    @Test("aserti3-2d matches Bitcoin Cash's published test vectors", arguments: AsertVectors.runs.indices)
    func asertVectors(runIndex: Int) throws {
        let run = AsertVectors.runs[runIndex]
        let rule = AsertRetarget(anchorHeight: run.anchorHeight, anchorParentTime: run.anchorParentTime,
                                 anchorBits: CompactTarget(bits: run.anchorBits), targetSpacing: 600,
                                 halfLife: 2 * 24 * 3600, powLimit: Self.bitcoin.powLimit)
        var checked = 0
        for line in run.lines.split(separator: "\n") {
            let fields = line.split(separator: " ")
            try #require(fields.count == 3, "\(run.name): \(line)")
            let height = try #require(UInt64(fields[0]))
            let time = try #require(Int64(fields[1]))
            let expected = try #require(CompactTarget(hex: fields[2]))
            #expect(rule.nextBits(afterHeight: height, time: time) == expected, "\(run.name): \(line)")
            checked += 1
        }
        #expect(checked >= 10)
    }

    @Test("ASERT never traps and stays within 1...limit for extreme inputs")
    func asertExtremes() {
        let limit = CompactTarget(bits: 0x207fffff).decoded.target
        for anchorBits: UInt32 in [0x207fffff, 0x1d00ffff, 0x01010000, 0x00000000, 0xff123456] {
            let rule = AsertRetarget(anchorHeight: 0, anchorParentTime: 0, anchorBits: CompactTarget(bits: anchorBits),
                                     targetSpacing: 1, halfLife: 1, powLimit: limit)
            for (height, time): (UInt64, Int64) in [(0, .min), (0, .max), (.max, .min), (.max, .max), (5, 5), (0, -1_000_000)] {
                let target = rule.nextBits(afterHeight: height, time: time).decoded.target
                #expect(!target.isZero && target <= limit, "anchor \(anchorBits), height \(height), time \(time)")
            }
        }
    }

    @Test("genesis picks the rule: ASERT on schedule keeps the genesis bits; Bitcoin's keeps them between boundaries")
    func difficultySchedule() {
        var params = PoWParams()
        params.initialBits = 0x1f00ffff
        params.targetBlockMillis = 5_000
        params.retarget = .asert
        let genesisTime: Int64 = 1_700_000_000_000
        let asert = DifficultySchedule(params: params, genesisTimeMillis: genesisTime)
        for height: UInt64 in [0, 1, 100, 10_000] {
            let onSchedule = asert.nextBits(parentHeight: height, parentTimeMillis: genesisTime + Int64(height) * 5_000,
                                            parentBits: CompactTarget(bits: 0), ancestorTimeMillis: { _ in nil })
            #expect(onSchedule.bits == 0x1f00ffff)
        }
        let late = asert.nextBits(parentHeight: 10, parentTimeMillis: genesisTime + 10 * 5_000 + 3_600_000,
                                  parentBits: CompactTarget(bits: 0), ancestorTimeMillis: { _ in nil })
        #expect(late.bits == 0x1f00ffff, "never easier than genesis")
        let early = asert.nextBits(parentHeight: 10, parentTimeMillis: genesisTime + 10 * 5_000 - 3_600_000,
                                   parentBits: CompactTarget(bits: 0), ancestorTimeMillis: { _ in nil })
        #expect(early.decoded.target.shiftedLeft(by: 1) == CompactTarget(bits: 0x1f00ffff).decoded.target, "an hour early halves it")

        params.retarget = .bitcoin
        let bitcoin = DifficultySchedule(params: params, genesisTimeMillis: genesisTime)
        let parentBits = CompactTarget(bits: 0x1e0fffff)
        let between = bitcoin.nextBits(parentHeight: 2014, parentTimeMillis: genesisTime, parentBits: parentBits,
                                       ancestorTimeMillis: { _ in genesisTime })
        #expect(between == parentBits)
        // 2016 blocks in a quarter of the time: the target divides by four.
        let boundary = bitcoin.nextBits(parentHeight: 2015, parentTimeMillis: genesisTime + 2016 * 5_000 / 4,
                                        parentBits: parentBits, ancestorTimeMillis: { $0 == 0 ? genesisTime : nil })
        #expect(boundary == CompactTarget(target: parentBits.decoded.target.shiftedRight(by: 2)))
    }
}
