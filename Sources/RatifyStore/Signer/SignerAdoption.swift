import RatifyCore

/// Carrying the signer state from a damaged store into its replacement. A restored backup holds
/// an older signer state and a re-synced store none; started on either, a validator could sign
/// a second, different vote at a position it already signed (a double sign). Adopting the
/// damaged store's records first makes the new store refuse those positions as the old one did.
extension NodeStore {
    /// What `adoptSignerRecords` did with each record, one line each for the operator.
    public struct SignerAdoption: Sendable, Equatable {
        public var lines: [String]
    }

    /// Writes the `signer` records read from another store (`StoreWalk.signerRecords`) into
    /// this one, in one durable transaction, where they are later than what this store holds:
    /// `state` (the double-sign guard) by (height, round, step), `ffg` (the checkpoint signer)
    /// by (target, source) epoch. A record that does not decode is refused, nothing written.
    @discardableResult
    public func adoptSignerRecords(_ records: [(key: [UInt8], value: [UInt8])]) throws -> SignerAdoption {
        let source = "the moved store's signer table"
        var movedState: SignerState?
        var movedEpochs: (source: UInt64, target: UInt64)?
        for record in records {
            if record.key == DoubleSignGuard.stateKey {
                do {
                    movedState = try SignerState(canonicalBytes: record.value)
                } catch {
                    throw StoreError.invalidRecord(database: source, reason: "signer state: \(error)")
                }
            } else if record.key == CheckpointSignerStore.stateKey {
                guard let epochs = Self.epochs(record.value) else {
                    throw StoreError.invalidRecord(database: source, reason: "checkpoint signer state of \(record.value.count) bytes, not 16")
                }
                movedEpochs = epochs
            }
        }
        var adoption = try mergeSignerState(movedState, checkpointEpochs: movedEpochs)
        if movedState == nil { adoption.lines.insert("the moved store never signed a vote or proposal", at: 0) }
        return adoption
    }

    /// Merges signer records from elsewhere (another store, an interchange file) into this
    /// store by maximum, in one durable transaction: `state` replaces this store's double-sign
    /// guard state when it is later by (height, round, step), `checkpointEpochs` the checkpoint
    /// signer's when later by (target, source) epoch. Nothing is ever moved backwards.
    @discardableResult
    public func mergeSignerState(_ state: SignerState?, checkpointEpochs: (source: UInt64, target: UInt64)?) throws -> SignerAdoption {
        let database = databases.signer
        // Read before the write transaction: the journal takes its lock before LMDB's writer lock.
        let appended = signer.journal.latestAppended
        return try environment.write { transaction in
            var lines: [String] = []
            if let moved = state {
                let current = SignerJournal.later(try DoubleSignGuard.load(transaction, database), appended)
                if let current, !(current.position < moved.position) {
                    lines.append("kept this store's signer state (\(current.position)): it is not earlier than the moved one (\(moved.position))")
                } else {
                    try transaction.put(database, DoubleSignGuard.stateKey, moved.canonicalBytes)
                    lines.append("adopted the signer state: last signed \(moved.position)")
                }
            }
            if let moved = checkpointEpochs {
                let current = try transaction.get(database, CheckpointSignerStore.stateKey).flatMap(Self.epochs)
                if let current, !((current.target, current.source) < (moved.target, moved.source)) {
                    lines.append("kept this store's checkpoint signer state (source \(current.source), target \(current.target))")
                } else {
                    try transaction.put(database, CheckpointSignerStore.stateKey, StoreKey.height(moved.source) + StoreKey.height(moved.target))
                    lines.append("adopted the checkpoint signer state: source epoch \(moved.source), target epoch \(moved.target)")
                }
            }
            return SignerAdoption(lines: lines)
        }
    }

    /// For a validator whose old signer state is lost (unreadable in the damaged store): records
    /// a signer state past every position of `height`, so this store refuses to sign anything at
    /// or below it. Choose a height the validator cannot have signed beyond: the chain's latest
    /// finalized height plus one. Kept when this store's own state is already later.
    public func raiseSignerFloor(height: UInt64) throws -> String {
        let floor = SignerState(position: SignPosition(height: height, round: .max, step: .precommit), signBytesHash: .zero,
                                signature: .zero)
        let database = databases.signer
        let appended = signer.journal.latestAppended
        return try environment.write { transaction in
            if let current = SignerJournal.later(try DoubleSignGuard.load(transaction, database), appended),
               !(current.position < floor.position) {
                return "kept this store's signer state (\(current.position)): it is past height \(height)"
            }
            try transaction.put(database, DoubleSignGuard.stateKey, floor.canonicalBytes)
            return "nothing at or below height \(height) will be signed"
        }
    }

    private static func epochs(_ bytes: [UInt8]) -> (source: UInt64, target: UInt64)? {
        CheckpointSignerStore.decode(bytes).map { ($0.sourceEpoch, $0.targetEpoch) }
    }
}
