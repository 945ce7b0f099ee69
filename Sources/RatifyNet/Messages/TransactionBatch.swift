import RatifyCore

/// Transactions a node passes on together, with the peers its sender knows were sent them:
/// what `TransactionGossip` is for one transaction, for the transactions a node admitted in one
/// turn of its event loop (the `POST`s it read together, a `POST /txs`, a peer's batch). One
/// message instead of one each saves every transaction after the first its own frame, seal,
/// pass through the receiver's pipeline and copy of the list (docs/NETWORK.md, "Transactions").
///
/// The receiver takes the transactions one by one, in order, exactly as it would single
/// messages: each is a key of its own in the duplicate filter (`NetMessage.seenDigest(of:)`),
/// checked and admitted alone, so a batch is never more trusted than its members.
public struct TransactionBatch: Hashable, Sendable, CanonicalCodable {
    /// At most this many a batch, as in one `POST /txs`: a receiver checks a batch's signatures
    /// on the event loop that read it, about 12 ms for this many.
    public static let countMax = 256

    public var transactions: [Transaction]
    public var sentTo: [NodeID]

    public init(_ transactions: [Transaction], sentTo: [NodeID] = []) {
        self.transactions = transactions
        self.sentTo = sentTo
    }

    /// The encoded size of a `transactions` message, its tag included, whose transactions take
    /// `transactionBytes` and whose list names `sentToCount` peers.
    static func encodedBytes(transactionBytes: Int, sentToCount: Int) -> Int {
        1 + 4 + transactionBytes + 4 + 20 * sentToCount
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(UInt32(truncatingIfNeeded: transactions.count))
        for transaction in transactions { writer.write(transaction) }
        TransactionGossip.write(sentTo, to: &writer)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let start = reader.offset
        transactions = try reader.readList(Transaction.self, max: Self.countMax, minimumItemBytes: Transaction.encodedBytesMin,
                                           "transactions.transactions")
        // An honest node sends a lone transaction as `transaction`, never an empty batch.
        guard !transactions.isEmpty else { throw reader.failure(.invalid("an empty batch"), "transactions.transactions", at: start) }
        sentTo = try TransactionGossip.readList(&reader, "transactions.sent_to")
    }

    /// The batch to send on to `recipients`, having come from `sender`, named as a
    /// `TransactionGossip` relay names them (`TransactionGossip.relayList`).
    func relayed(to recipients: [NodeID], from sender: NodeID) -> TransactionBatch {
        TransactionBatch(transactions, sentTo: TransactionGossip.relayList(recipients: recipients, sender: sender, sentTo: sentTo))
    }

    /// The messages that carry `transactions` in order, each with the list `sentTo`: a lone one
    /// as `transaction`, more as batches of at most `countMax` that fit a frame with a list of
    /// `sentToMax` names (a relay may lengthen the list), `bytesMax` in all.
    public static func messages(carrying transactions: [Transaction], sentTo: [NodeID] = [],
                                bytesMax: Int = NetLimits.messageBytesMax) -> [NetMessage] {
        guard transactions.count > 1 else { return transactions.map { .transaction(TransactionGossip($0, sentTo: sentTo)) } }
        let listBytes = encodedBytes(transactionBytes: 0, sentToCount: TransactionGossip.sentToMax)
        var messages: [NetMessage] = []
        var batch: [Transaction] = []
        var batchBytes = listBytes
        func close() {
            if batch.count == 1 { messages.append(.transaction(TransactionGossip(batch[0], sentTo: sentTo))) }
            if batch.count > 1 { messages.append(.transactions(TransactionBatch(batch, sentTo: sentTo))) }
            batch.removeAll(keepingCapacity: true)
            batchBytes = listBytes
        }
        for transaction in transactions {
            if batch.count == countMax || batchBytes + transaction.encodedBytesCount > bytesMax { close() }
            batch.append(transaction)
            batchBytes += transaction.encodedBytesCount
        }
        close()
        return messages
    }
}
