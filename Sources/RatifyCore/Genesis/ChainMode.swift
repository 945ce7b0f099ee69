/// How blocks are made and finalized (docs/POW.md).
public enum ChainMode: String, CaseIterable, Sendable, CanonicalEncodable {
    /// Validators chosen by stake propose; 2/3+ precommits finalize (Tendermint). The default.
    case pos
    /// Miners extend the most-work chain; a block is final after `pow.confirmations` blocks.
    case pow
    /// Miners extend the chain; validators finalize Casper FFG checkpoints every `pow.epoch_length` blocks.
    case hybrid

    /// Whether the chain needs a genesis validator set.
    public var needsValidators: Bool { self != .pow }

    /// The byte written into the genesis hash; fixed forever, never the case's declaration order.
    public var tag: UInt8 {
        switch self {
        case .pos: 0
        case .pow: 1
        case .hybrid: 2
        }
    }

    public func encode(to writer: inout ByteWriter) { writer.write(tag) }
}
