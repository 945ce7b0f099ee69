import RatifyCore

/// One validator's signing record over the last `windowMillis` of block time, for downtime
/// jailing. The window is measured in block time (header times, which every validator agrees
/// on), not in blocks, so it means the same thing at 6-second blocks and at 35 blocks a second:
/// a validator is judged on the share of blocks it signed during the last ten minutes (say),
/// whatever the number of blocks that was.
///
/// The window is a ring of `slotCount` slots of `windowMillis / slotCount` each; a slot counts
/// the blocks observed in it and the precommits missed. A new slot clears the slots that lie
/// more than a window behind it, so the counts always cover between `windowMillis - slot` and
/// `windowMillis` of block time. Memory per validator is fixed, whatever the block rate.
public struct DowntimeWindow: Hashable, Sendable, CanonicalCodable {
    /// Slots per window: a 10-minute window moves in 10-second steps.
    public static let slotCount = 60

    /// Block time of the first block observed since tracking (re)started; nil before it. A
    /// validator is judged only once a whole window has passed since.
    public private(set) var sinceMillis: UInt64?
    /// The slot number (block time / slot length) of the last block observed.
    public private(set) var lastSlot: UInt64 = 0
    /// Per slot of the ring: blocks observed, and precommits missed among them.
    public private(set) var observed: [UInt32] = []
    public private(set) var missed: [UInt32] = []

    public init() {}

    /// Blocks observed in the window.
    public var observedBlocks: UInt64 { observed.reduce(0) { $0 + UInt64($1) } }
    /// Precommits missed in the window.
    public var missedBlocks: UInt64 { missed.reduce(0) { $0 + UInt64($1) } }

    static func slotMillis(windowMillis: UInt64) -> UInt64 {
        max(1, windowMillis / UInt64(slotCount))
    }

    /// Counts the block at `timeMillis` (block times only grow), signed or missed.
    public mutating func record(signed: Bool, atMillis timeMillis: UInt64, windowMillis: UInt64) {
        let slot = timeMillis / Self.slotMillis(windowMillis: windowMillis)
        if sinceMillis == nil || observed.count != Self.slotCount || missed.count != Self.slotCount {
            sinceMillis = timeMillis
            observed = [UInt32](repeating: 0, count: Self.slotCount)
            missed = [UInt32](repeating: 0, count: Self.slotCount)
            lastSlot = slot
        } else if slot > lastSlot {
            // Every slot between the last one and this one had no block: clear it (at most the
            // whole ring).
            let cleared = min(slot - lastSlot, UInt64(Self.slotCount))
            for step in 1...cleared {
                let index = Int((lastSlot &+ step) % UInt64(Self.slotCount))
                observed[index] = 0
                missed[index] = 0
            }
            lastSlot = slot
        }
        let index = Int(lastSlot % UInt64(Self.slotCount))
        observed[index] = observed[index] == .max ? .max : observed[index] + 1
        if !signed { missed[index] = missed[index] == .max ? .max : missed[index] + 1 }
    }

    /// Whether a whole window of block time has passed since tracking started and the share of
    /// blocks signed in it is below `minSigned`. A `minSigned` of zero never jails.
    public func signedTooFew(atMillis timeMillis: UInt64, windowMillis: UInt64, minSigned: PartsPerMillion) -> Bool {
        guard let sinceMillis, timeMillis >= sinceMillis, timeMillis - sinceMillis >= windowMillis else { return false }
        let total = observedBlocks
        guard total > 0 else { return false }
        // At most 60 slots of 2^32 blocks: both products stay below 2^59.
        let signed = total - min(missedBlocks, total)
        return signed * UInt64(PartsPerMillion.one) < UInt64(minSigned.value) * total
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(sinceMillis != nil)
        if let sinceMillis { writer.write(sinceMillis) }
        writer.write(lastSlot)
        writer.write(UInt32(observed.count))
        for count in observed { writer.write(count) }
        for count in missed { writer.write(count) }
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        sinceMillis = try reader.readBool("downtime.tracked") ? try reader.readUInt64("downtime.since_ms") : nil
        lastSlot = try reader.readUInt64("downtime.last_slot")
        let countOffset = reader.offset
        let count = try reader.readUInt32("downtime.slots")
        guard count == 0 || count == UInt32(Self.slotCount) else {
            throw reader.failure(.invalid("\(count) downtime slots, expected 0 or \(Self.slotCount)"), "downtime.slots", at: countOffset)
        }
        observed = []
        missed = []
        for _ in 0..<count { observed.append(try reader.readUInt32("downtime.observed")) }
        for _ in 0..<count { missed.append(try reader.readUInt32("downtime.missed")) }
    }
}
