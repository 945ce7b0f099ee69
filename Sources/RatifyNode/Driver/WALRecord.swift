import RatifyConsensus
import RatifyCore

/// One consensus input as the driver writes it to the height's WAL before handing it to the
/// core, so that a restarted node replays exactly what its core had seen (docs/NODE.md).
/// Own proposals and votes are written after signing, before they are broadcast.
enum WALRecord: Sendable, Equatable, CanonicalCodable {
    case proposal(Proposal, block: Block)
    case vote(Vote)
    case timeout(TimeoutEvent)
    case block(Block)

    func encode(to writer: inout ByteWriter) {
        switch self {
        case .proposal(let proposal, let block):
            writer.write(UInt8(1))
            writer.write(proposal)
            writer.write(block)
        case .vote(let vote):
            writer.write(UInt8(2))
            writer.write(vote)
        case .timeout(let event):
            writer.write(UInt8(3))
            writer.write(event.kind.rawValue)
            writer.write(event.height)
            writer.write(event.round)
        case .block(let block):
            writer.write(UInt8(4))
            writer.write(block)
        }
    }

    init(from reader: inout ByteReader) throws(DecodeError) {
        let start = reader.offset
        switch try reader.readUInt8("wal.kind") {
        case 1:
            self = .proposal(try Proposal(from: &reader), block: try Block(from: &reader))
        case 2:
            self = .vote(try Vote(from: &reader))
        case 3:
            let kindOffset = reader.offset
            let rawKind = try reader.readUInt8("wal.timeout.kind")
            guard let kind = TimeoutEvent.Kind(rawValue: rawKind) else {
                throw reader.failure(.unknownTag(UInt64(rawKind)), "wal.timeout.kind", at: kindOffset)
            }
            self = .timeout(TimeoutEvent(kind: kind, height: try reader.readUInt64("wal.timeout.height"),
                                         round: try reader.readUInt32("wal.timeout.round")))
        case 4:
            self = .block(try Block(from: &reader))
        case let tag:
            throw reader.failure(.unknownTag(UInt64(tag)), "wal.kind", at: start)
        }
    }
}
