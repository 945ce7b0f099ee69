import RatifyCore

/// Reassembles one block at a time from one peer's `BlockPart`s. Parts of a different block
/// replace the one in progress; at most `bytesMax` bytes (`NetConfig.assemblyBytesMax`, at most
/// a largest block) are held, so one peer can pin at most one block's bytes.
struct BlockAssembler: Sendable {
    enum Outcome: Sendable {
        case incomplete
        case complete(Block)
        case invalid(String)
    }

    let bytesMax: Int
    private var blockID: BlockID?
    private var total = 0
    private var parts: [Int: [UInt8]] = [:]
    private(set) var bufferedBytes = 0

    init(bytesMax: Int = CodecLimits.blockBytesMax) { self.bytesMax = bytesMax }

    mutating func add(_ part: BlockPart) -> Outcome {
        if blockID != part.blockID || total != Int(part.total) {
            blockID = part.blockID
            total = Int(part.total)
            parts = [:]
            bufferedBytes = 0
        }
        let index = Int(part.index)
        guard parts[index] == nil else { return .incomplete }
        guard bufferedBytes + part.bytes.count <= bytesMax else {
            reset()
            return .invalid("block parts exceed \(bytesMax) bytes")
        }
        parts[index] = part.bytes
        bufferedBytes += part.bytes.count
        guard parts.count == total else { return .incomplete }
        var encoded: [UInt8] = []
        encoded.reserveCapacity(bufferedBytes)
        for slot in 0..<total {
            guard let bytes = parts[slot] else { reset(); return .invalid("missing part \(slot)") }
            encoded.append(contentsOf: bytes)
        }
        let expected = part.blockID
        reset()
        guard let block = try? Block(canonicalBytes: encoded) else { return .invalid("parts do not decode to a block") }
        guard block.id == expected else { return .invalid("reassembled block \(block.id) is not \(expected)") }
        return .complete(block)
    }

    mutating func reset() {
        blockID = nil
        total = 0
        parts = [:]
        bufferedBytes = 0
    }
}
