import RatifyCore

/// A double SHA-256 (sha256d) digest, a header's hash or a Merkle root, held in the byte
/// order it is computed and serialized in.
///
/// Bitcoin shows these reversed ("display order": the genesis block is `000000000019d6...`),
/// because it reads the 32 bytes as a little-endian number, and proof of work compares that
/// number with the target. `value` is that number; `displayHex` is its big-endian hex.
public struct PoWHash: Hashable, Sendable, CustomStringConvertible {
    public var raw: Bytes32

    public static let zero = PoWHash(raw: .zero)

    public init(raw: Bytes32) { self.raw = raw }

    /// Exactly 32 bytes in internal order; nil for any other length.
    public init?(internalBytes bytes: some Collection<UInt8>) {
        guard let raw = Bytes32(bytes) else { return nil }
        self.raw = raw
    }

    /// 64 hex digits in display order, as block explorers and `bitcoin-cli` print them.
    public init?(displayHex text: some StringProtocol) {
        guard let bytes = Hex.decode(text), bytes.count == 32, let raw = Bytes32(bytes.reversed()) else { return nil }
        self.raw = raw
    }

    public var internalBytes: [UInt8] { raw.bytes }

    /// The same 32 bytes, from the `Hash` the store, the wire and checkpoints name a block by:
    /// both hold the internal order, only the display differs.
    public init(_ hash: Hash) { raw = hash.raw }

    /// The same 32 bytes as the `Hash` the store, the wire and checkpoints name a block by.
    public var asHash: Hash { Hash(raw: raw) }

    public var displayHex: String { Hex.encode(raw.bytes.reversed()) }

    public var description: String { displayHex }

    /// The hash as the 256-bit number proof of work compares with the target.
    public var value: UInt256 { raw.withUnsafeBytes { UInt256(littleEndianBytes: $0) } }

    /// SHA-256 applied twice: Bitcoin's hash of headers and transactions.
    public static func sha256d(_ bytes: UnsafeRawBufferPointer) -> PoWHash {
        let once = Hash.sha256(bytes)
        let twice = once.raw.withUnsafeBytes { Hash.sha256($0) }
        return PoWHash(twice)
    }
}
