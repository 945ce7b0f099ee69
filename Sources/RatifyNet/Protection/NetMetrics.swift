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
