import RatifyNet

/// Per peer, the ids of what it sent that is held for later, oldest first, at most
/// `limitPerPeer` each: a peer that sends more pushes out its own oldest, never another
/// peer's, so junk from one peer cannot crowd out what honest peers sent.
struct PeerQuota<ID: Hashable & Sendable>: Sendable {
    let limitPerPeer: Int
    private var ids: [NodeID: [ID]] = [:]

    init(limitPerPeer: Int) {
        precondition(limitPerPeer > 0)
        self.limitPerPeer = limitPerPeer
    }

    /// Records `id` as held for `peer`; returns the id of its that no longer fits, if any. An id
    /// already recorded for the peer (a copy that came again) takes no more room.
    mutating func add(_ id: ID, from peer: NodeID) -> ID? {
        var held = ids[peer, default: []]
        guard !held.contains(id) else { return nil }
        held.append(id)
        let evicted = held.count > limitPerPeer ? held.removeFirst() : nil
        ids[peer] = held
        return evicted
    }

    func count(from peer: NodeID) -> Int { ids[peer]?.count ?? 0 }

    /// Forgets the ids that are no longer held.
    mutating func keep(where isHeld: (ID) -> Bool) {
        for (peer, held) in ids {
            let kept = held.filter(isHeld)
            ids[peer] = kept.isEmpty ? nil : kept
        }
    }
}
