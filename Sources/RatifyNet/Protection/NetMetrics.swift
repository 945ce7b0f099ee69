import Metrics

/// The p2p metrics, named as CometBFT's are (`ratify_p2p_*`). Counters with a fixed label set
/// are made once; those labelled by a reason are made when the reason first occurs (rare).
struct NetMetrics: Sendable {
    let peers = Gauge(label: "ratify_p2p_peers")
    let tcpBytesSent = Counter(label: "ratify_p2p_bytes_sent_total", dimensions: [("channel", "tcp")])
    let tcpBytesReceived = Counter(label: "ratify_p2p_bytes_received_total", dimensions: [("channel", "tcp")])
    let udpBytesSent = Counter(label: "ratify_p2p_bytes_sent_total", dimensions: [("channel", "udp")])
    let udpBytesReceived = Counter(label: "ratify_p2p_bytes_received_total", dimensions: [("channel", "udp")])
    let tcpMessagesSent = Counter(label: "ratify_p2p_messages_sent_total", dimensions: [("channel", "tcp")])
    let tcpMessagesReceived = Counter(label: "ratify_p2p_messages_received_total", dimensions: [("channel", "tcp")])
    let udpMessagesSent = Counter(label: "ratify_p2p_messages_sent_total", dimensions: [("channel", "udp")])
    let udpMessagesReceived = Counter(label: "ratify_p2p_messages_received_total", dimensions: [("channel", "udp")])
    let duplicatesDropped = Counter(label: "ratify_p2p_duplicates_dropped_total")
    let deliveryDropped = Counter(label: "ratify_p2p_delivery_dropped_total")
    /// Partly reassembled blocks dropped to stay within `assemblyBytesTotalMax`.
    let assemblyDropped = Counter(label: "ratify_p2p_assembly_dropped_total")
    /// Messages the node's verifier could not judge yet (a height outside its window).
    let ignored = Counter(label: "ratify_p2p_ignored_total")
    /// Decided blocks sent, with their commits, to peers behind this node (catch-up).
    let catchUpBlocksServed = Counter(label: "ratify_p2p_catch_up_blocks_served_total")

    func handshakeFailure(_ reason: String) {
        Counter(label: "ratify_p2p_handshake_failures_total", dimensions: [("reason", reason)]).increment()
    }

    func disconnect(_ reason: String) {
        Counter(label: "ratify_p2p_disconnects_total", dimensions: [("reason", reason)]).increment()
    }

    func udpRejected(_ reason: String) {
        Counter(label: "ratify_p2p_udp_rejected_total", dimensions: [("reason", reason)]).increment()
    }
}

/// The `# HELP` text of each p2p metric, by name.
public enum NetMetricHelp {
    public static let byName: [String: String] = [
        "ratify_p2p_peers": "Connected peers.",
        "ratify_p2p_bytes_sent_total": "Bytes sent to peers, by channel (tcp, udp).",
        "ratify_p2p_bytes_received_total": "Bytes received from peers, by channel (tcp, udp).",
        "ratify_p2p_messages_sent_total": "Messages sent to peers, by channel (tcp, udp).",
        "ratify_p2p_messages_received_total": "Messages received from peers, by channel (tcp, udp).",
        "ratify_p2p_duplicates_dropped_total": "Messages dropped because this node already had them.",
        "ratify_p2p_delivery_dropped_total": "Messages dropped because the node's inbound queue was full.",
        "ratify_p2p_assembly_dropped_total": "Partly reassembled blocks dropped to stay within the assembly memory cap.",
        "ratify_p2p_ignored_total": "Messages the verifier could not judge yet (a height outside its window).",
        "ratify_p2p_catch_up_blocks_served_total": "Decided blocks sent with their commits to peers behind this node.",
        "ratify_p2p_handshake_failures_total": "Failed peer handshakes, by reason.",
        "ratify_p2p_disconnects_total": "Peer disconnections, by reason.",
        "ratify_p2p_udp_rejected_total": "UDP datagrams rejected, by reason.",
    ]
}
