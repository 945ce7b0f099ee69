import RatifyCore

/// Bitcoin's 80-byte block header: the bytes proof of work hashes.
///
/// | offset | bytes | field            | encoding                    |
/// |-------:|------:|------------------|-----------------------------|
/// |      0 |     4 | version          | int32, little-endian        |
/// |      4 |    32 | previous hash    | internal byte order         |
/// |     36 |    32 | Merkle root      | internal byte order         |
/// |     68 |     4 | time             | uint32 seconds, little-endian |
/// |     72 |     4 | bits             | compact target, little-endian |
/// |     76 |     4 | nonce            | uint32, little-endian       |
///
/// The hash is sha256d of these 80 bytes. SHA-256 works on 64-byte blocks, so the first block
/// (version, previous hash, 28 bytes of the Merkle root) is the same for every nonce: miners
/// compress it once (the midstate) and vary only the second (`NonceScanner`).
public struct BlockHeader80: Hashable, Sendable {
    public static let byteCount = 80
    /// Where the nonce sits, for the hashing core.
    public static let nonceOffset = 76

    public var version: Int32
    public var previousHash: PoWHash
    public var merkleRoot: PoWHash
    public var time: UInt32
    public var bits: CompactTarget
    public var nonce: UInt32

    public init(version: Int32, previousHash: PoWHash, merkleRoot: PoWHash, time: UInt32,
                bits: CompactTarget, nonce: UInt32) {
        self.version = version
        self.previousHash = previousHash
        self.merkleRoot = merkleRoot
        self.time = time
        self.bits = bits
        self.nonce = nonce
    }

    /// Why bytes are not a header.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case wrongLength(Int)
        case notHex

        public var description: String {
            switch self {
            case .wrongLength(let count): "a block header is exactly 80 bytes (160 hex digits), got \(count) bytes"
            case .notHex: "the header is not hexadecimal (expected 160 hex digits)"
            }
        }
    }

    /// Parses exactly 80 bytes. Every 80-byte string is a header (validity is a separate
    /// question: `meetsOwnTarget`).
    public init(bytes: UnsafeRawBufferPointer) throws(ParseError) {
        guard bytes.count == Self.byteCount else { throw .wrongLength(bytes.count) }
        self.init(unchecked: bytes)
    }

    public init(bytes: [UInt8]) throws(ParseError) {
        guard bytes.count == Self.byteCount else { throw .wrongLength(bytes.count) }
        self = bytes.withUnsafeBytes { BlockHeader80(unchecked: $0) }
    }

    /// Reads a header from memory the caller has checked holds 80 bytes.
    init(unchecked bytes: UnsafeRawBufferPointer) {
        func word(_ offset: Int) -> UInt32 { UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
        version = Int32(bitPattern: word(0))
        previousHash = PoWHash(raw: Bytes32(unchecked: UnsafeRawBufferPointer(rebasing: bytes[4..<36])))
        merkleRoot = PoWHash(raw: Bytes32(unchecked: UnsafeRawBufferPointer(rebasing: bytes[36..<68])))
        time = word(68)
        bits = CompactTarget(bits: word(72))
        nonce = word(76)
    }

    /// 160 hex digits, the form `bitcoin-cli getblockheader HASH false` prints.
    public init(hex text: some StringProtocol) throws(ParseError) {
        guard let bytes = Hex.decode(text) else { throw .notHex }
        try self.init(bytes: bytes)
    }

    /// Writes the 80 bytes into `buffer`, which holds at least 80.
    public func write(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.byteCount, "callers pass an 80-byte buffer")
        buffer.storeBytes(of: UInt32(bitPattern: version).littleEndian, toByteOffset: 0, as: UInt32.self)
        previousHash.raw.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[4..<36]).copyMemory(from: $0) }
        merkleRoot.raw.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[36..<68]).copyMemory(from: $0) }
        buffer.storeBytes(of: time.littleEndian, toByteOffset: 68, as: UInt32.self)
        buffer.storeBytes(of: bits.bits.littleEndian, toByteOffset: 72, as: UInt32.self)
        buffer.storeBytes(of: nonce.littleEndian, toByteOffset: 76, as: UInt32.self)
    }

    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.byteCount) { buffer, count in
            write(into: UnsafeMutableRawBufferPointer(buffer))
            count = Self.byteCount
        }
    }

    public var hex: String { Hex.encode(bytes) }

    /// sha256d of the 80 bytes; the buffer lives on the stack.
    public var hash: PoWHash {
        withUnsafeTemporaryAllocation(byteCount: Self.byteCount, alignment: 8) { buffer in
            write(into: buffer)
            return PoWHash.sha256d(UnsafeRawBufferPointer(buffer))
        }
    }

    /// Whether the hash, read as a number, is at most the target its own `bits` encode, and
    /// those bits are a usable target (Bitcoin's `CheckProofOfWork` without the chain's limit).
    public var meetsOwnTarget: Bool {
        guard let target = bits.target else { return false }
        return hash.value <= target
    }

    /// Whether the header meets its own bits and those bits are no easier than `limit`.
    public func meetsTarget(limit: UInt256) -> Bool {
        guard let target = bits.target, target <= limit else { return false }
        return hash.value <= target
    }
}
