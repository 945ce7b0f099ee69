import RatifyCore

/// The first, plaintext frame each side sends: who it is, which chain it is on, and a fresh
/// X25519 public key for this connection only. docs/NETWORK.md, "Handshake".
public struct HandshakeHello: Hashable, Sendable, CanonicalCodable {
    /// 2 since transactions carry the peers they were sent to (`TransactionGossip`), 3 since
    /// they also travel in batches (`TransactionBatch`). The handshake refuses a hello of any
    /// other version (`HandshakeError.protocolVersion`), rather than meet a message kind it does
    /// not know later in the session.
    public static let protocolVersion: UInt16 = 3

    public var version: UInt16
    public var chainID: String
    public var nodeKey: PublicKey
    public var ephemeralKey: Bytes32
    /// The UDP port the sender receives vote datagrams on, 0 when it has none.
    public var udpPort: UInt16

    public init(version: UInt16 = HandshakeHello.protocolVersion, chainID: String, nodeKey: PublicKey,
                ephemeralKey: Bytes32, udpPort: UInt16) {
        self.version = version
        self.chainID = chainID
        self.nodeKey = nodeKey
        self.ephemeralKey = ephemeralKey
        self.udpPort = udpPort
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(version)
        writer.writeString(chainID)
        writer.write(nodeKey)
        writer.write(ephemeralKey)
        writer.write(udpPort)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        version = try reader.readUInt16("hello.version")
        chainID = try reader.readString(max: CodecLimits.chainIDBytesMax, "hello.chain_id")
        nodeKey = try reader.readPublicKey("hello.node_key")
        ephemeralKey = try reader.readBytes32("hello.ephemeral_key")
        udpPort = try reader.readUInt16("hello.udp_port")
    }
}
