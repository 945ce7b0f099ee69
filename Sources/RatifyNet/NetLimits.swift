import RatifyCore

/// The hard caps of the peer protocol. Every length a decoder reads from the network is checked
/// against one of these before anything is allocated; docs/NETWORK.md lists them.
public enum NetLimits {
    /// Largest plaintext message inside one TCP frame. Blocks larger than this travel as parts.
    public static let messageBytesMax = 1 << 20
    /// ChaCha20-Poly1305 tag appended to every sealed frame and datagram.
    public static let tagBytes = 16
    /// Largest TCP frame body (sealed message + tag). A length prefix above this closes the session.
    public static let frameBytesMax = messageBytesMax + tagBytes
    /// Largest plaintext handshake frame (the hello is about 130 bytes).
    public static let handshakeFrameBytesMax = 512
    /// One block part. A 16 MiB block is 256 parts.
    public static let blockPartBytesMax = 64 * 1024
    /// Parts in one block: enough for `CodecLimits.blockBytesMax`.
    public static let blockPartsMax = (CodecLimits.blockBytesMax + blockPartBytesMax - 1) / blockPartBytesMax
    /// Bits in a vote bitmap: one per validator.
    public static let voteBitmapBitsMax = CodecLimits.validatorsMax
    /// Largest UDP datagram sent or accepted (fits an IPv6 minimum-MTU path).
    public static let datagramBytesMax = 1232
}
