import RatifyCore

/// A decoded message with the SHA-256 of its plaintext encoding (the key of the duplicate
/// filter) and its size, as it leaves `MessageCodecHandler`.
struct ReceivedMessage: Sendable {
    let message: NetMessage
    let digest: Hash
    let bytes: Int
}
