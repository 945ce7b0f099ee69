/// Proof that one validator signed two checkpoint votes that Casper FFG forbids together
/// ("Casper the Friendly Finality Gadget", section 2, the two slashing conditions):
///
/// - **double vote**: two different votes for the same target epoch;
/// - **surround vote**: one vote's link strictly surrounds the other's,
///   `s1 < s2 < t2 < t1` (epochs of sources and targets).
///
/// Honest validators never sign such a pair, and two conflicting checkpoints can only both be
/// finalized if validators holding at least 1/3 of the stake did (accountable safety). The
/// votes are kept in canonical order (`voteA`'s encoding sorts first) so the same misbehaviour
/// always has the same hash. Signatures are checked against the validator's key by whoever
/// holds it (`verifySignatures`; the ledger does it with the staking record's key).
public struct FFGSlashingEvidence: Hashable, Sendable, CanonicalCodable {
    public let voteA: CheckpointVote
    public let voteB: CheckpointVote

    public enum Kind: String, Sendable, Equatable {
        case doubleVote = "double vote"
        case surroundVote = "surround vote"
    }

    public enum Invalid: Error, Equatable, Sendable, CustomStringConvertible {
        case differentValidators
        case sameVote
        case malformedVote
        case notConflicting

        public var description: String {
            switch self {
            case .differentValidators: "the votes are by different validators"
            case .sameVote: "the two votes are the same vote"
            case .malformedVote: "a vote's source epoch is not below its target epoch"
            case .notConflicting: "the votes neither share a target epoch nor surround one another"
            }
        }
    }

    /// Orders the votes canonically; throws when they are not a slashable pair.
    public init(_ first: CheckpointVote, _ second: CheckpointVote) throws(Invalid) {
        guard first.validatorAddress == second.validatorAddress else { throw .differentValidators }
        guard first.isWellFormed, second.isWellFormed else { throw .malformedVote }
        guard first.source != second.source || first.target != second.target else { throw .sameVote }
        guard Self.conflict(first, second) != nil else { throw .notConflicting }
        if first.canonicalBytes.lexicographicallyPrecedes(second.canonicalBytes) {
            voteA = first; voteB = second
        } else {
            voteA = second; voteB = first
        }
    }

    /// The slashing condition two well-formed votes of one validator break, or nil. Votes that
    /// differ only in their signatures are the same vote, not a double vote.
    public static func conflict(_ first: CheckpointVote, _ second: CheckpointVote) -> Kind? {
        if first.target.epoch == second.target.epoch {
            return first.source != second.source || first.target != second.target ? .doubleVote : nil
        }
        if surrounds(first, second) || surrounds(second, first) { return .surroundVote }
        return nil
    }

    /// `outer`'s link strictly surrounds `inner`'s: s1 < s2 < t2 < t1.
    static func surrounds(_ outer: CheckpointVote, _ inner: CheckpointVote) -> Bool {
        outer.source.epoch < inner.source.epoch && inner.target.epoch < outer.target.epoch
    }

    public var kind: Kind { Self.conflict(voteA, voteB) ?? .doubleVote }
    public var validatorAddress: Address { voteA.validatorAddress }
    /// The highest target epoch of the two: the misbehaviour is complete once both are signed.
    public var targetEpochMax: UInt64 { max(voteA.target.epoch, voteB.target.epoch) }
    public var hash: Hash { Hash.sha256(canonicalBytes) }

    /// Whether `key` signed both votes on `chainID`.
    public func verifySignatures(chainID: String, key: PublicKey) -> Bool {
        voteA.verifySignature(chainID: chainID, key: key) && voteB.verifySignature(chainID: chainID, key: key)
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(voteA)
        writer.write(voteB)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let start = reader.offset
        let first = try CheckpointVote(from: &reader)
        let second = try CheckpointVote(from: &reader)
        do {
            try self.init(first, second)
        } catch {
            throw reader.failure(.invalid("votes are not slashable (\(error))"), "ffg_evidence", at: start)
        }
        guard voteA == first else {
            throw reader.failure(.invalid("votes are not in canonical order"), "ffg_evidence", at: start)
        }
    }
}
