import RatifyCore

/// A transaction as peers pass it on: the signed transaction and the peers its sender knows were
/// sent it (by the sender itself or, for a relay, by the hops before). A receiver relays it only
/// to its peers outside that list, so on a full mesh the transaction crosses each link once
/// instead of flooding back and forth (docs/NETWORK.md, "Transactions").
///
/// The list is a hint, not a claim anyone checks: a peer that lies in it can only keep its own
/// relays short, which it could do anyway by not relaying. The duplicate filter keys on the
/// transaction alone (`NetMessage.seenDigest(of:)`), so copies with different lists, alone or
/// in a `TransactionBatch`, are one message.
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

    public func encode(to writer: inout ByteWriter) {
        writer.write(transaction)
        Self.write(sentTo, to: &writer)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        transaction = try Transaction(from: &reader)
        sentTo = try Self.readList(&reader, "transaction.sent_to")
    }

    /// A `sent_to` list on the wire: a u32 count, then 20 bytes a node id.
    static func write(_ list: [NodeID], to writer: inout ByteWriter) {
        writer.write(UInt32(truncatingIfNeeded: list.count))
        for peer in list { writer.write(peer) }
    }

    /// Reads a `sent_to` list of at most `sentToMax` names.
    static func readList(_ reader: inout ByteReader, _ field: StaticString) throws(DecodeError) -> [NodeID] {
        let count = try reader.readCount(max: sentToMax, field)
        var list: [NodeID] = []
        list.reserveCapacity(count)
        for _ in 0..<count { list.append(try reader.readAddress(field)) }
        return list
    }

    /// The message to send on to `recipients`, having come from `sender` (`relayList`).
    func relayed(to recipients: [NodeID], from sender: NodeID) -> TransactionGossip {
        TransactionGossip(transaction, sentTo: Self.relayList(recipients: recipients, sender: sender, sentTo: sentTo))
    }

    /// The list a relay to `recipients` carries, of what came from `sender` with `sentTo`: the
    /// recipients, then the sender and what it named, without repeats, at most `sentToMax`.
    static func relayList(recipients: [NodeID], sender: NodeID, sentTo: [NodeID]) -> [NodeID] {
        var listed = Set<NodeID>()
        var list: [NodeID] = []
        for peer in recipients + [sender] + sentTo where list.count < sentToMax && listed.insert(peer).inserted {
            list.append(peer)
        }
        return list
    }
}
