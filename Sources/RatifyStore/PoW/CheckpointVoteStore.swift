import RatifyCore

/// A hybrid chain's counted checkpoint votes, so that a restarted node rebuilds its checkpoint
/// tracker (justified and finalized checkpoints, held votes for slashing) by counting them
/// again, and peers that missed votes get them from the node's periodic re-announcement. One
/// vote per validator and target epoch, as the tracker holds them; the node prunes those a
/// few epochs below the latest finalized one.
public struct CheckpointVoteStore: Sendable {
    let environment: LMDBEnvironment
    let database: LMDBDatabase

    init(environment: LMDBEnvironment, database: LMDBDatabase) {
        self.environment = environment
        self.database = database
    }

    static func key(_ vote: CheckpointVote) -> [UInt8] {
        StoreKey.height(vote.target.epoch) + vote.validatorAddress.raw.bytes
    }

    /// Stores a counted vote (one committed transaction).
    public func put(_ vote: CheckpointVote) throws {
        let database = self.database, key = Self.key(vote), bytes = vote.canonicalBytes
        try environment.write { try $0.put(database, key, bytes) }
    }

    /// Every stored vote, by target epoch.
    public func all() throws -> [CheckpointVote] {
        let database = self.database
        return try environment.read { transaction in
            var votes: [CheckpointVote] = []
            try transaction.forEach(database) { entry in
                do {
                    votes.append(try CheckpointVote(canonicalBytes: entry.value))
                } catch {
                    throw StoreError.invalidRecord(database: database.name, reason: "checkpoint vote: \(error)")
                }
                return true
            }
            return votes
        }
    }

    /// Deletes the votes whose target epoch is below `epoch`.
    public func prune(targetEpochBelow epoch: UInt64) throws {
        let database = self.database
        try environment.write { _ = try $0.deleteRange(database, from: StoreKey.height(0), below: StoreKey.height(epoch)) }
    }
}
