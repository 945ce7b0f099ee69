import Synchronization

/// Bytes queued towards all peers together (`NetConfig.sendQueueBytesTotalMax`), shared by the
/// sessions of one manager. Each session may always hold `shareBytes`; beyond that it draws on
/// the shared half, which is open while the total stays within half the budget. A session
/// admitted beyond its share therefore found the total at most `bytesMax / 2`, and after it the
/// sessions within their shares add at most `sessionsMax * shareBytes = bytesMax / 2`: the total
/// never exceeds `bytesMax`.
final class SendBudget: Sendable {
    let bytesMax: Int
    let shareBytes: Int
    let queuedBytes = Atomic<Int>(0)

    init(bytesMax: Int, sessionsMax: Int) {
        precondition(bytesMax > 0 && sessionsMax > 0)
        self.bytesMax = bytesMax
        self.shareBytes = bytesMax / 2 / sessionsMax
    }

    /// Whether a session may hold `sessionBytes` while all sessions hold `totalBytes` (both
    /// counting the message being admitted).
    func admits(sessionBytes: Int, totalBytes: Int) -> Bool {
        sessionBytes <= shareBytes || totalBytes <= bytesMax / 2
    }
}
