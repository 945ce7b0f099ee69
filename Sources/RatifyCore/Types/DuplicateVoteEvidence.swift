/// Proof that one validator signed two different votes of the same type for the same height
/// and round: the core reports it, gossip spreads it, a block includes it and the ledger
/// slashes for it. The two votes are kept in canonical order (`voteA`'s block id sorts first,
/// nil before any id) so that the same misbehaviour always has the same evidence hash.
public struct DuplicateVoteEvidence: Hashable, Sendable, CanonicalCodable {
    public let voteA: Vote
    public let voteB: Vote

    public enum Invalid: Error, Equatable, Sendable {
        case differentHeightRoundOrType
        case differentValidators
        case sameBlock
    }

    /// Orders the votes canonically; nil when they are not a conflicting pair.
    public init(_ first: Vote, _ second: Vote) throws(Invalid) {
        guard first.height == second.height, first.round == second.round, first.type == second.type else {
            throw .differentHeightRoundOrType
        }
        guard first.validatorAddress == second.validatorAddress, first.validatorIndex == second.validatorIndex else {
            throw .differentValidators
        }
        guard first.blockID != second.blockID else { throw .sameBlock }
        if DuplicateVoteEvidence.precedes(first.blockID, second.blockID) {
            voteA = first; voteB = second
        } else {
            voteA = second; voteB = first
        }
    }

    public var height: Height { voteA.height }
    public var validatorAddress: Address { voteA.validatorAddress }
    public var hash: Hash { Hash.sha256(canonicalBytes) }

    static func precedes(_ lhs: BlockID?, _ rhs: BlockID?) -> Bool {
        switch (lhs, rhs) {
        case (nil, _): true
        case (_, nil): false
        case (let l?, let r?): l < r
        }
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(voteA)
        writer.write(voteB)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let start = reader.offset
        let first = try Vote(from: &reader)
        let second = try Vote(from: &reader)
        guard DuplicateVoteEvidence.precedes(first.blockID, second.blockID) else {
            throw reader.failure(.invalid("votes are not two different blocks in canonical order"), "evidence", at: start)
        }
        do {
            try self.init(first, second)
        } catch {
            throw reader.failure(.invalid("votes do not conflict (\(error))"), "evidence", at: start)
        }
    }
}
