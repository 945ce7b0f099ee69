/// Asking peers for what this node lacks, on demand rather than on the once-a-second schedule.
extension PeerManager {
    /// Sends every peer this node's consensus state with the votes it holds for its round, even
    /// when it has not changed since the last announcement: their catch-up answers with the
    /// votes and proposal it lacks. The driver calls it when a round makes no progress.
    public func reannounce() {
        let (announcement, sessions) = state.withLock { state -> (PeerState, [PeerSession]) in
            let announcement = makeAnnouncement(&state)
            state.lastAnnounced = announcement
            return (announcement, Array(state.sessions.values))
        }
        for session in sessions { session.send(.peerState(announcement)) }
    }
}
