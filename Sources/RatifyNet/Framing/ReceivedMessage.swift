import RatifyCore

/// A decoded message with its key in the duplicate filter (`NetMessage.seenDigest`, from the
/// plaintext) and its size, as it leaves `MessageCodecHandler`.
struct ReceivedMessage: Sendable {
    let message: NetMessage
    let digest: Hash
    let bytes: Int
}
