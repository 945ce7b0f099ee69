/// Limits on one block, enforced by proposers and by every validator on every proposal.
public struct BlockParams: Hashable, Sendable, CanonicalEncodable {
    /// Encoded block size limit; at most `CodecLimits.blockBytesMax`.
    public var maxBytes: UInt64 = 4 * 1024 * 1024
    /// Transactions per block; at most `CodecLimits.transactionsPerBlockMax`.
    public var maxTxs: UInt64 = 10_000

    public init() {}

    public func encode(to writer: inout ByteWriter) {
        writer.write(maxBytes)
        writer.write(maxTxs)
    }
}
