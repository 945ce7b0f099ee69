/// Identifies a block: the SHA-256 of its header's canonical encoding. The header commits to
/// the transactions, evidence and last commit through their Merkle roots, so the id binds all.
public struct BlockID: Hashable, Comparable, Sendable, CustomStringConvertible, CanonicalCodable {
    public var hash: Hash

    public init(hash: Hash) { self.hash = hash }

    public static let zero = BlockID(hash: .zero)

    public var description: String { hash.short }

    public static func < (lhs: BlockID, rhs: BlockID) -> Bool { lhs.hash < rhs.hash }

    public func encode(to writer: inout ByteWriter) { writer.write(hash) }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        hash = try reader.readHash("block_id.hash")
    }
}
