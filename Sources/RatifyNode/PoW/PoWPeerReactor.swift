import RatifyCore
import RatifyNet

/// The proof-of-work driver's seat on the peer network: when a session comes up it asks the
/// peer for headers at once (as Bitcoin Core sends `getheaders` to a new peer), so a node that
/// is behind starts syncing without waiting for the peer's next tip announcement. Blocks,
/// requests and votes reach the driver through the inbound queue, not here.
final class PoWPeerReactor: PeerReactor {
    let driver: PoWDriver

    init(driver: PoWDriver) { self.driver = driver }

    func peerConnected(_ peer: NodeID) {
        Task { [driver] in await driver.requestHeaders(from: peer) }
    }

    func peerDisconnected(_ peer: NodeID) {}
    func peerAnnounced(_ state: PeerState, from peer: NodeID) {}
    func receivedCopy(_ message: NetMessage, from peer: NodeID) {}
    func received(_ message: NetMessage, verdict: MessageVerdict, delivered: Bool, from peer: NodeID) {}
    func tick(peers: [NodeID]) {}
}
