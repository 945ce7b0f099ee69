import RatifyCore

/// What rides on the peer network and keeps state about peers (CometBFT calls it a reactor, on
/// a switch that only carries bytes): the node's consensus gossip. The manager tells it when a
/// session starts and ends, hands it every message a peer sent after the duplicate filter and
/// the verifier, and calls it on each gossip tick; it sends through the manager's `send` and
/// `broadcast`.
///
/// Called on the network's threads, never under the manager's lock, so it may call back into the
/// manager; it must not block.
public protocol PeerReactor: AnyObject, Sendable {
    /// A session with `peer` is up (a new one replaces an old one without `peerDisconnected`).
    func peerConnected(_ peer: NodeID)
    func peerDisconnected(_ peer: NodeID)
    /// `peer` announced where it is in consensus (not verified: a peer's word about itself).
    func peerAnnounced(_ state: PeerState, from peer: NodeID)
    /// `peer` sent a copy of a message already seen (dropped before verification).
    func receivedCopy(_ message: NetMessage, from peer: NodeID)
    /// A new message from `peer` that the verifier let through; `delivered` is false when the
    /// node's inbound queue was full and it was dropped (the digest is forgotten, so a copy
    /// gets through later). Transactions and evidence are relayed by the manager, not here.
    func received(_ message: NetMessage, verdict: MessageVerdict, delivered: Bool, from peer: NodeID)
    /// The gossip timer (`NetConfig.gossipIntervalMillis`); `peers` are the sessions not closed
    /// as silent on this tick.
    func tick(peers: [NodeID])
}
