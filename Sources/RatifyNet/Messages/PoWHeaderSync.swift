import RatifyCore

/// Proof-of-work headers-first sync, asking side: hashes of the asker's best header chain,
/// newest first, dense near its tip and then doubling back to the genesis (Bitcoin's block
/// locator). The peer answers from the first of them on its own best chain.
public struct PoWLocator: Hashable, Sendable, CanonicalCodable {
    /// Ten dense entries, then one per doubling step: 64 covers any chain below 2^54 blocks.
    public static let hashesMax = 64
    public var hashes: [Hash]

    public init(_ hashes: [Hash]) { self.hashes = hashes }

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(truncatingIfNeeded: hashes.count))
        for hash in hashes { writer.write(hash) }
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let count = try reader.readCount(max: Self.hashesMax, "pow_locator.hashes")
        hashes = []
        for _ in 0..<count { hashes.append(try reader.readHash("pow_locator.hashes")) }
    }
}

/// Proof-of-work headers-first sync, answering side: consecutive 80-byte headers, oldest first,
/// each the parent of the next. RatifyNet sits below RatifyPoW, so it checks only the shape
/// (a whole number of headers, at most `headersMax`); the node checks the work.
public struct PoWHeaderBatch: Hashable, Sendable, CanonicalCodable {
    public static let headerBytes = 80
    /// 2,000 headers (160 KB) per message, as Bitcoin's `headers`; a full batch means "ask again".
    public static let headersMax = 2_000
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var count: Int { bytes.count / Self.headerBytes }

    /// The bytes of the header at `index`.
    public func header(_ index: Int) -> ArraySlice<UInt8> {
        bytes[(index * Self.headerBytes)..<((index + 1) * Self.headerBytes)]
    }

    public func encode(to writer: inout ByteWriter) { writer.writeBytes(bytes) }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let start = reader.offset
        bytes = try reader.readBytes(max: Self.headersMax * Self.headerBytes, "pow_headers.bytes")
        guard bytes.count % Self.headerBytes == 0 else {
            throw reader.failure(.invalid("\(bytes.count) bytes is not a whole number of 80-byte headers"), "pow_headers.bytes", at: start)
        }
    }
}
