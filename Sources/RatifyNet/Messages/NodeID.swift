import RatifyCore

/// A peer's identity: the address (first 20 bytes of SHA-256) of its Ed25519 node key, written
/// as 40 hex digits in `nodeid@host:port`. The node key authenticates the handshake only; it is
/// never a validator key.
public typealias NodeID = Address
