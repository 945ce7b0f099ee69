import RatifyCore
import RatifyNode

/// What became of one scheduled transaction. Times are nanoseconds on the run's monotonic
/// clock, from the start of the schedule (warm-up included).
public struct TransactionOutcome: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        /// The node it was sent to reported it final, in block `height` (its tx event, or
        /// the answer to `wait=final`).
        case final(height: UInt64)
        /// The node refused it (4xx): the message says why.
        case rejected(String)
        /// Admitted, but not seen final in time: no tx event within the drain after the last
        /// send, or 504 from the node's `wait=final`.
        case timedOut
        /// No answer (the connection failed), or its outcome lost with its node's event stream.
        case failed(String)
        /// Never sent (the run was cut short).
        case unsent
    }

    public var intendedNanos: UInt64
    public var sentNanos: UInt64?
    /// The answer to the send; for a final transaction, when its finality was learned.
    public var answeredNanos: UInt64?
    public var result: Result
    /// The transaction sent (its last attempt), for checking acknowledged ones against the chain.
    public var transactionHash: Hash?

    public init(intendedNanos: UInt64, sentNanos: UInt64? = nil, answeredNanos: UInt64? = nil, result: Result = .unsent,
                transactionHash: Hash? = nil) {
        self.transactionHash = transactionHash
        self.intendedNanos = intendedNanos
        self.sentNanos = sentNanos
        self.answeredNanos = answeredNanos
        self.result = result
    }

    /// Intended send to the final answer, in milliseconds; nil unless final.
    public var finalityMillis: Double? {
        guard case .final = result, let answeredNanos, answeredNanos >= intendedNanos else { return nil }
        return Double(answeredNanos - intendedNanos) / 1e6
    }
}

/// A block of the run, as read back from a node (and its logs, when the run started it).
public struct ObservedBlock: Sendable, Equatable {
    public var height: UInt64
    /// Header time: when the proposer built it (wall clock, milliseconds since 1970).
    public var timeMillis: UInt64
    public var transactions: Int
    public var round: UInt32
    /// Header time to decision at the median node, from the nodes' logs; nil when attached.
    public var nodeProposeToFinalMillis: Double?
    /// The median node's store transaction and per-step breakdown, from the nodes' logs.
    public var nodeStoreMillis: Double?
    public var nodeSteps: HeightSteps?

    public init(height: UInt64, timeMillis: UInt64, transactions: Int, round: UInt32, nodeProposeToFinalMillis: Double? = nil) {
        self.height = height
        self.timeMillis = timeMillis
        self.transactions = transactions
        self.round = round
        self.nodeProposeToFinalMillis = nodeProposeToFinalMillis
    }
}
