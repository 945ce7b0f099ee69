import CSodium
import RatifyCore

/// A fresh X25519 key pair for one connection (libsodium's crypto_kx). The secret half is
/// dropped with the handshake, so recorded traffic stays sealed if a node key leaks later.
struct EphemeralKeyPair: Sendable {
    let publicKey: Bytes32
    private let secretKey: Bytes32

    init() {
        SodiumPointer.ensureReady()
        var publicRaw = Bytes32.zero
        var secretRaw = Bytes32.zero
        withUnsafeMutableBytes(of: &publicRaw) { pk in
            withUnsafeMutableBytes(of: &secretRaw) { sk in
                _ = crypto_kx_keypair(SodiumPointer.base(pk), SodiumPointer.base(sk))
            }
        }
        publicKey = publicRaw
        secretKey = secretRaw
    }

    /// The (receive, transmit) keys crypto_kx derives from both ephemeral keys; nil when the
    /// peer's key is a low-order point that yields no shared secret.
    func sessionKeys(peer: Bytes32, isDialer: Bool) -> (receive: Bytes32, transmit: Bytes32)? {
        var receive = Bytes32.zero
        var transmit = Bytes32.zero
        let status = withUnsafeMutableBytes(of: &receive) { rx in
            withUnsafeMutableBytes(of: &transmit) { tx in
                publicKey.withUnsafeBytes { pk in
                    secretKey.withUnsafeBytes { sk in
                        peer.withUnsafeBytes { peerKey in
                            isDialer
                                ? crypto_kx_client_session_keys(SodiumPointer.base(rx), SodiumPointer.base(tx),
                                                                SodiumPointer.base(pk), SodiumPointer.base(sk),
                                                                SodiumPointer.base(peerKey))
                                : crypto_kx_server_session_keys(SodiumPointer.base(rx), SodiumPointer.base(tx),
                                                                SodiumPointer.base(pk), SodiumPointer.base(sk),
                                                                SodiumPointer.base(peerKey))
                        }
                    }
                }
            }
        }
        return status == 0 ? (receive, transmit) : nil
    }
}
