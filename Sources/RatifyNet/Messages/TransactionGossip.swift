import RatifyCore

/// A transaction as peers pass it on: the signed transaction and the peers its sender knows were
/// sent it (by the sender itself or, for a relay, by the hops before). A receiver relays it only
/// to its peers outside that list, so on a full mesh the transaction crosses each link once
/// instead of flooding back and forth (docs/NETWORK.md, "Transactions").
///
/// The list is a hint, not a claim anyone checks: a peer that lies in it can only keep its own
/// relays short, which it could do anyway by not relaying. The duplicate filter keys on the
/// transaction alone (`NetMessage.seenDigest`), so copies with different lists are one message.
public struct TransactionGossip: Hashable, Sendable, CanonicalCodable {
    /// A longer list is cut to this on relay (a few more duplicates downstream) and refused on
    /// decoding; 64 is the default `max_peers` bound of most nodes.
    public static let sentToMax = 64

    public var transaction: Transaction
    public var sentTo: [NodeID]

    public init(_ transaction: Transaction, sentTo: [NodeID] = []) {
        self.transaction = transaction
        self.sentTo = sentTo
    }

    /// The bytes of the list's encoding: a u32 count and 20 bytes per node id.
    var sentToEncodedBytes: Int { 4 + 20 * sentTo.count }

    public func encode(to writer: inout ByteWriter) {
        writer.write(transaction)
        writer.write(UInt32(truncatingIfNeeded: sentTo.count))
        for peer in sentTo { writer.write(peer) }
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        transaction = try Transaction(from: &reader)
        let count = try reader.readCount(max: Self.sentToMax, "transaction.sent_to")
        sentTo = []
        sentTo.reserveCapacity(count)
        for _ in 0..<count { sentTo.append(try reader.readAddress("transaction.sent_to")) }
    }

    /// The message to send on to `recipients`, having come from `sender`: the list names them,
    /// then the sender and what it named, without repeats, at most `sentToMax`.
    func relayed(to recipients: [NodeID], from sender: NodeID) -> TransactionGossip {
        var listed = Set<NodeID>()
        var list: [NodeID] = []
        for peer in recipients + [sender] + sentTo where list.count < Self.sentToMax && listed.insert(peer).inserted {
            list.append(peer)
        }
        return TransactionGossip(transaction, sentTo: list)
    }
}
