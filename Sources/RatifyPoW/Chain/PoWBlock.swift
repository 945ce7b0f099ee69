import RatifyCore

/// A block of a `pow` chain: Bitcoin's 80-byte header and a body its Merkle root commits to.
///
/// The body is a coinbase (the height, the miner's reward address and an extra-nonce, like
/// Bitcoin's BIP 34 coinbase) and the transactions, in Ratify's canonical codec. The header's
/// Merkle root is Ratify's `MerkleTree.root` (SHA-256 with leaf/node prefixes, RFC 6962 style)
/// over `[sha256(coinbase), transaction hashes...]`, so changing any byte of the body changes
/// the root and so the header's hash (docs/POW.md, "Block format").
///
/// Encoding: the 80 header bytes as they are hashed, then the coinbase, then the count-prefixed
/// transactions. At most `encodedBytesMax` bytes, so one block always fits one network message.
public struct PoWBlock: Hashable, Sendable, CanonicalCodable {
    public var header: BlockHeader80
    public var coinbase: Coinbase
    public var transactions: [Transaction]

    /// What the miner writes into its block: where the reward goes, and what it can vary
    /// when the nonce space runs out.
    public struct Coinbase: Hashable, Sendable, CanonicalCodable {
        public var height: UInt64
        public var miner: Address
        public var extraNonce: UInt64

        public init(height: UInt64, miner: Address, extraNonce: UInt64) {
            self.height = height
            self.miner = miner
            self.extraNonce = extraNonce
        }

        public func encode(to writer: inout ByteWriter) {
            writer.write(height)
            writer.write(miner)
            writer.write(extraNonce)
        }

        public init(from reader: inout ByteReader) throws(DecodeError) {
            height = try reader.readUInt64("coinbase.height")
            miner = try reader.readAddress("coinbase.miner")
            extraNonce = try reader.readUInt64("coinbase.extra_nonce")
        }
    }

    /// A whole block, header included, fits one network message (1 MiB) with room for the
    /// message tag.
    public static let encodedBytesMax = (1 << 20) - 1024

    public init(header: BlockHeader80, coinbase: Coinbase, transactions: [Transaction]) {
        self.header = header
        self.coinbase = coinbase
        self.transactions = transactions
    }

    public var hash: PoWHash { header.hash }
    public var height: UInt64 { coinbase.height }

    /// The Merkle root a header must carry for this coinbase and these transactions.
    public static func merkleRoot(coinbase: Coinbase, transactions: [Transaction]) -> PoWHash {
        let leaves = [Hash.sha256(coinbase.canonicalBytes)] + transactions.map(\.hash)
        return PoWHash(MerkleTree.root(leaves: leaves))
    }

    /// Whether the header's Merkle root commits to this body.
    public var merkleRootMatches: Bool {
        header.merkleRoot == Self.merkleRoot(coinbase: coinbase, transactions: transactions)
    }

    public func encode(to writer: inout ByteWriter) {
        writer.writeRaw(header.bytes)
        writer.write(coinbase)
        writer.writeList(transactions)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let start = reader.offset
        let headerBytes = try reader.readRaw(count: BlockHeader80.byteCount, "pow_block.header")
        do {
            header = try BlockHeader80(bytes: headerBytes)
        } catch {
            throw reader.failure(.invalid("\(error)"), "pow_block.header", at: start)
        }
        coinbase = try Coinbase(from: &reader)
        transactions = try reader.readList(Transaction.self, max: CodecLimits.transactionsPerBlockMax,
                                           minimumItemBytes: Transaction.encodedBytesMin, "pow_block.transactions")
        let size = reader.offset - start
        if size > Self.encodedBytesMax {
            throw reader.failure(.lengthTooLarge(length: size, max: Self.encodedBytesMax), "pow_block", at: start)
        }
    }
}
