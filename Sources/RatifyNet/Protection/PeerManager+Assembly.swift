import RatifyCore
import Synchronization

/// Block-part reassembly within `NetConfig.assemblyBytesTotalMax` over all peers.
extension PeerManager {
    /// Adds a part to the session's reassembly. Past the total, the largest reassembly in progress
    /// (this peer's or another's) is dropped, then this one if that was not enough; a dropped
    /// block comes again through gossip or catch-up. Every change of a session's bytes is added
    /// to the total.
    func assemble(_ part: BlockPart, from session: PeerSession) -> BlockAssembler.Outcome {
        let (outcome, deltaBytes) = session.assemble(part)
        var total = assemblyBytes.wrappingAdd(deltaBytes, ordering: .relaxed).newValue
        guard deltaBytes > 0, total > config.assemblyBytesTotalMax else { return outcome }
        metrics.assemblyDropped.increment()
        let sessions = state.withLock { Array($0.sessions.values) }
        if let largest = sessions.max(by: { $0.assemblingBytes < $1.assemblingBytes }), largest !== session {
            total = assemblyBytes.wrappingSubtract(largest.dropAssembly(), ordering: .relaxed).newValue
            guard total > config.assemblyBytesTotalMax else { return outcome }
        }
        assemblyBytes.wrappingSubtract(session.dropAssembly(), ordering: .relaxed)
        return .incomplete
    }
}
