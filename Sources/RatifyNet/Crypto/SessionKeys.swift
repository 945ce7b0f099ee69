import CSodium
import RatifyCore

/// The four symmetric keys of one session, one per direction and transport, and the tags that
/// name the UDP key on the wire. docs/NETWORK.md, "Key derivation":
///
///     (rx, tx)   = crypto_kx_{client,server}_session_keys(own ephemeral, peer ephemeral)
///     key(L, b)  = BLAKE2b-256(key: b, message: L || SHA-256(transcript))
///     tcp send   = key("ratify/p2p/tcp/v1", tx)       tcp receive = key(..., rx)
///     udp send   = key("ratify/p2p/udp/v1", tx)       udp receive = key(..., rx)
///     udp tag    = first 8 bytes of key("ratify/p2p/udp-tag/v1", tx or rx)
///
/// Binding the transcript hash means the keys belong to exactly the hellos both sides signed.
public struct SessionKeys: Sendable {
    public let tcpSend: Bytes32
    public let tcpReceive: Bytes32
    public let udpSend: Bytes32
    public let udpReceive: Bytes32
    public let udpSendTag: UInt64
    public let udpReceiveTag: UInt64

    init(receive: Bytes32, transmit: Bytes32, transcriptHash: Hash) {
        tcpSend = SessionKeys.derive("ratify/p2p/tcp/v1", transmit, transcriptHash)
        tcpReceive = SessionKeys.derive("ratify/p2p/tcp/v1", receive, transcriptHash)
        udpSend = SessionKeys.derive("ratify/p2p/udp/v1", transmit, transcriptHash)
        udpReceive = SessionKeys.derive("ratify/p2p/udp/v1", receive, transcriptHash)
        udpSendTag = SessionKeys.tag(SessionKeys.derive("ratify/p2p/udp-tag/v1", transmit, transcriptHash))
        udpReceiveTag = SessionKeys.tag(SessionKeys.derive("ratify/p2p/udp-tag/v1", receive, transcriptHash))
    }

    static func derive(_ label: String, _ base: Bytes32, _ transcriptHash: Hash) -> Bytes32 {
        SodiumPointer.ensureReady()
        var message = Array(label.utf8)
        message.append(contentsOf: transcriptHash.bytes)
        var output = Bytes32.zero
        withUnsafeMutableBytes(of: &output) { out in
            base.withUnsafeBytes { key in
                message.withUnsafeBytes { input in
                    _ = crypto_generichash(SodiumPointer.base(out), 32, SodiumPointer.base(input), UInt64(input.count),
                                           SodiumPointer.base(key), 32)
                }
            }
        }
        return output
    }

    static func tag(_ key: Bytes32) -> UInt64 {
        key.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).bigEndian }
    }
}
