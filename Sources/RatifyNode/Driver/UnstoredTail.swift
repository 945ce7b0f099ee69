import RatifyCore
import Synchronization

/// The decided heights at the chain's tip whose store transaction has not run yet. Clients and
/// subscribers are told of a height at its decision, not at its store commit (docs/NODE.md,
/// "Final at the decision"), so the chain queries look here before the store: a client told a
/// transaction is final finds it, its block, the block's commit and the validator set the
/// block decided at once. The driver adds a height at its decision and removes it once
/// stored; a node holds one or two such heights, so the lookups scan.
public final class UnstoredTail: Sendable {
    struct Entry: Sendable {
        var block: Block
        var commit: Commit
        var locations: [TransactionLocation]
        /// The set the block decided for its height + 2.
        var validatorsForHeightPlus2: ValidatorSet
    }

    private let entries = Mutex<[Entry]>([])

    init() {}

    func add(_ decision: NodeDriver.ExecutedDecision) {
        let entry = Entry(block: decision.block, commit: decision.commit, locations: decision.locations,
                            validatorsForHeightPlus2: decision.executed.nextState.nextValidators)
        entries.withLock { $0.append(entry) }
    }

    /// The store now holds every height up to `height`.
    func removeStored(through height: Height) {
        entries.withLock { $0.removeAll { $0.block.height <= height } }
    }

    public func block(height: Height) -> Block? {
        entries.withLock { $0.first { $0.block.height == height }?.block }
    }

    public func commit(height: Height) -> Commit? {
        entries.withLock { $0.first { $0.block.height == height }?.commit }
    }

    /// The set deciding `height`, when an unstored block decided it (the store writes the set
    /// of H + 2 with block H).
    public func validators(height: Height) -> ValidatorSet? {
        guard height > 2 else { return nil }
        return entries.withLock { $0.first { $0.block.height == height - 2 }?.validatorsForHeightPlus2 }
    }

    public func transaction(hash: Hash) -> TransactionLocation? {
        entries.withLock { entries in
            for entry in entries {
                if let location = entry.locations.first(where: { $0.hash == hash }) { return location }
            }
            return nil
        }
    }
}
