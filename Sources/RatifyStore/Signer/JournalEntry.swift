import RatifyCore

/// One record of the consensus journal: what must be on disk before a signature leaves the
/// node. The guard's new state (nil for records that only carry the WAL: a signature answered
/// again from the stored state, or WAL records that filled their buffer) and the consensus WAL
/// records that go with it, each for its height, in order.
///
/// Stored as: version (1 byte, = 1), the signer state as an optional (1 byte flag, then its
/// canonical bytes), the number of WAL records (4 bytes) and each as height
/// (8 bytes, big-endian) and bytes (length-prefixed).
public struct JournalEntry: Sendable, Equatable, CanonicalCodable {
    public struct WALRecord: Sendable, Equatable {
        public var height: UInt64
        public var bytes: [UInt8]

        public init(height: UInt64, bytes: [UInt8]) {
            self.height = height
            self.bytes = bytes
        }
    }

    static let encodingVersion: UInt8 = 1

    public var signerState: SignerState?
    public var walRecords: [WALRecord]

    public init(signerState: SignerState?, walRecords: [WALRecord]) {
        self.signerState = signerState
        self.walRecords = walRecords
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(Self.encodingVersion)
        writer.write(signerState)
        writer.write(UInt32(walRecords.count))
        for record in walRecords {
            writer.write(record.height)
            writer.writeBytes(record.bytes)
        }
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let versionOffset = reader.offset
        let version = try reader.readUInt8("JournalEntry.version")
        guard version == Self.encodingVersion else {
            throw DecodeError(.unknownTag(UInt64(version)), field: "JournalEntry.version", offset: versionOffset)
        }
        signerState = try reader.readOptional(SignerState.self, "JournalEntry.signerState")
        let count = try reader.readCount(max: ConsensusWAL.recordsPerHeightMax, "JournalEntry.walRecords")
        var records: [WALRecord] = []
        records.reserveCapacity(count)
        for _ in 0..<count {
            let height = try reader.readUInt64("JournalEntry.walRecord.height")
            records.append(WALRecord(height: height, bytes: try reader.readBytes(max: ConsensusWAL.recordBytesMax, "JournalEntry.walRecord.bytes")))
        }
        walRecords = records
    }
}
