import RatifyCore

/// What `GET /events` streams: a finalized block, then each of its transactions.
public enum NodeEvent: Sendable, Equatable {
    case block(FinalizedBlockEvent)
    case transaction(TransactionLocation)

    /// A finalized block's event followed by its transactions', in block order.
    public static func finalized(_ block: FinalizedBlockEvent, transactions: [TransactionLocation]) -> [NodeEvent] {
        [.block(block)] + transactions.map(NodeEvent.transaction)
    }

    /// The event's height (the SSE `id` is built from it).
    public var height: Height {
        switch self {
        case .block(let block): block.height
        case .transaction(let location): location.height
        }
    }
}

/// A finalized block as subscribers see it. `round` is nil on proof-of-work chains, where no
/// consensus round decides a block.
public struct FinalizedBlockEvent: Sendable, Equatable {
    public var height: Height
    public var hash: Hash
    public var timeMillis: UInt64
    public var transactionCount: Int
    public var round: Round?
    /// From the block's header time to this node finalizing it.
    public var latencyMillis: Double

    public init(height: Height, hash: Hash, timeMillis: UInt64, transactionCount: Int, round: Round?, latencyMillis: Double) {
        self.height = height
        self.hash = hash
        self.timeMillis = timeMillis
        self.transactionCount = transactionCount
        self.round = round
        self.latencyMillis = latencyMillis
    }
}
