import Testing
import RatifyCore
@testable import RatifyLedger

/// Downtime jailing counts precommits over a window of block time, so a fault means the same
/// at 35 blocks a second as at a block every 6 seconds.
@Suite("ledger: downtime window in block time")
struct DowntimeWindowTests {
    static let validatorB = LedgerFixture.validatorB.publicKey

    /// A chain whose downtime window is 60 s of block time (half of it must be signed), making
    /// a block every `intervalMillis`; validator B misses every block in `down` (block time).
    /// Returns the block time at which B was jailed, if it was, within `untilMillis`.
    static func jailTime(intervalMillis: UInt64, down: Range<UInt64>, untilMillis: UInt64) -> UInt64? {
        var chain = LedgerFixture()
        chain.ledger = Ledger(parameters: LedgerParameters(chainID: LedgerFixture.chainID, powerUnit: 1_000, validatorsMax: 3,
                                                           downtimeWindowMillis: 60_000,
                                                           minSignedPerWindow: PartsPerMillion(clamping: 500_000), jailBlocks: 4),
                              state: chain.ledger.state)
        chain.blockIntervalMillis = intervalMillis
        while chain.timeMillis + intervalMillis <= untilMillis {
            let time = chain.timeMillis + intervalMillis
            chain.emptyBlocks(1, absent: down.contains(time) ? [validatorB.address] : [])
            if chain.ledger.state.validators[validatorB]?.isJailed == true { return time }
        }
        return nil
    }

    static let rates: [UInt64] = [28, 1_000, 6_000] // about 35 blocks/s, 1 block/s, CometBFT's 6 s

    @Test("a validator down for a fifth of the window is never jailed, at any block rate", arguments: rates)
    func shortFaultNotJailed(intervalMillis: UInt64) {
        #expect(Self.jailTime(intervalMillis: intervalMillis, down: 70_000..<82_000, untilMillis: 200_000) == nil)
    }

    @Test("a validator down for more than half the window is jailed about the same block time, at any block rate", arguments: rates)
    func longFaultJailed(intervalMillis: UInt64) throws {
        // Down from 70 s: in the window ending at t, it signed (70 - (t - 60)) of 60 s: below
        // half once t passes 100 s. The slots (1 s) and the block interval blur that by a slot.
        let jailed = try #require(Self.jailTime(intervalMillis: intervalMillis, down: 70_000..<200_000, untilMillis: 200_000))
        #expect(jailed >= 99_000 && jailed <= 100_000 + 1_000 + intervalMillis, "jailed at \(jailed) ms")
    }

    @Test("nobody is judged before a whole window of block time was tracked")
    func wholeWindowFirst() {
        // Down from the first block: below half at once, but judged only once 60 s passed.
        let jailed = Self.jailTime(intervalMillis: 1_000, down: 0..<200_000, untilMillis: 200_000)
        #expect(jailed == 61_000)
    }

    @Test("a min_signed_per_window of zero never jails")
    func zeroNeverJails() {
        var window = DowntimeWindow()
        for second in UInt64(1)...200 { window.record(signed: false, atMillis: second * 1_000, windowMillis: 60_000) }
        #expect(window.missedBlocks == window.observedBlocks && window.observedBlocks > 0)
        #expect(!window.signedTooFew(atMillis: 200_000, windowMillis: 60_000, minSigned: .zero))
        #expect(window.signedTooFew(atMillis: 200_000, windowMillis: 60_000, minSigned: PartsPerMillion(clamping: 1)))
    }

    @Test("after a gap in block time longer than the window, the window holds only the blocks since")
    func gapClearsTheWindow() {
        var window = DowntimeWindow()
        for second in UInt64(1)...30 { window.record(signed: false, atMillis: second * 1_000, windowMillis: 60_000) }
        window.record(signed: true, atMillis: 500_000, windowMillis: 60_000)
        #expect(window.observedBlocks == 1 && window.missedBlocks == 0)
    }
}
