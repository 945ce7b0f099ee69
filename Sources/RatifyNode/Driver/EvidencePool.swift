import RatifyCore

/// Double-vote evidence waiting to go into one of this node's proposals. Only evidence that
/// passed `EvidenceRules` is added (the caller checks), at most `CodecLimits.evidencePerBlockMax`
/// items, so a proposal built from the pool is never refused for its evidence.
struct EvidencePool: Sendable {
    private(set) var items: [DuplicateVoteEvidence] = []

    /// Adds checked evidence; false when it is already here or the pool is full.
    mutating func add(_ evidence: DuplicateVoteEvidence) -> Bool {
        guard items.count < CodecLimits.evidencePerBlockMax, !items.contains(evidence) else { return false }
        items.append(evidence)
        return true
    }

    /// After blocks up to `height` were decided: drops what they included and what is from
    /// before the block below `height` (the core reports evidence at the height it runs).
    mutating func prune(decided height: Height, included: [DuplicateVoteEvidence]) {
        items.removeAll { evidence in
            // `evidence.height` came from a peer: nothing is added to it.
            included.contains(evidence) || (evidence.height < height && height - evidence.height > 1)
        }
    }
}
