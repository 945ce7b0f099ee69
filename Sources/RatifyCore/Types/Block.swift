/// A block: its header, the transactions it orders, evidence of misbehaviour, and the commit
/// that finalized the previous block (nil at height 1).
public struct Block: Hashable, Sendable, CanonicalCodable {
    public var header: Header
    public var transactions: [Transaction]
    public var evidence: [DuplicateVoteEvidence]
    public var lastCommit: Commit?

    public init(header: Header, transactions: [Transaction], evidence: [DuplicateVoteEvidence], lastCommit: Commit?) {
        self.header = header
        self.transactions = transactions
        self.evidence = evidence
        self.lastCommit = lastCommit
    }

    public var id: BlockID { header.blockID }
    public var height: Height { header.height }

    /// The header hashes that bind the body: what `make` fills in and `validateBody` checks.
    public static func transactionsHash(_ transactions: [Transaction]) -> Hash {
        MerkleTree.root(leaves: transactions.map(\.hash))
    }

    public static func evidenceHash(_ evidence: [DuplicateVoteEvidence]) -> Hash {
        MerkleTree.root(leaves: evidence.map(\.hash))
    }

    public static func lastCommitHash(_ commit: Commit?) -> Hash {
        commit?.hash ?? .zero
    }

    /// Assembles a block whose body hashes are filled in from its body.
    public static func make(chainID: String, height: Height, timeMillis: UInt64, lastBlockID: BlockID,
                            lastCommit: Commit?, transactions: [Transaction], evidence: [DuplicateVoteEvidence],
                            validatorsHash: Hash, nextValidatorsHash: Hash, appHash: Hash,
                            proposerAddress: Address) -> Block {
        let header = Header(chainID: chainID, height: height, timeMillis: timeMillis, lastBlockID: lastBlockID,
                            lastCommitHash: lastCommitHash(lastCommit), transactionsHash: transactionsHash(transactions),
                            evidenceHash: evidenceHash(evidence), validatorsHash: validatorsHash,
                            nextValidatorsHash: nextValidatorsHash, appHash: appHash, proposerAddress: proposerAddress)
        return Block(header: header, transactions: transactions, evidence: evidence, lastCommit: lastCommit)
    }

    public enum Malformed: Error, Equatable, Sendable, CustomStringConvertible {
        case transactionsHashMismatch
        case evidenceHashMismatch
        case lastCommitHashMismatch
        case lastCommitPresence(height: Height)
        case lastCommitHeight(expected: Height, got: Height)
        case transactionForOtherChain(index: Int)

        public var description: String {
            switch self {
            case .transactionsHashMismatch: "header transactions_hash does not match the transactions"
            case .evidenceHashMismatch: "header evidence_hash does not match the evidence"
            case .lastCommitHashMismatch: "header last_commit_hash does not match the last commit"
            case .lastCommitPresence(let height): "block \(height) must \(height == 1 ? "not " : "")carry a last commit"
            case .lastCommitHeight(let expected, let got): "last commit is for height \(got), expected \(expected)"
            case .transactionForOtherChain(let index): "transaction \(index) is for another chain"
            }
        }
    }

    /// Checks that the body matches the header: the checks anyone can make without state.
    public func validateBody() throws(Malformed) {
        guard header.transactionsHash == Block.transactionsHash(transactions) else { throw .transactionsHashMismatch }
        guard header.evidenceHash == Block.evidenceHash(evidence) else { throw .evidenceHashMismatch }
        guard header.lastCommitHash == Block.lastCommitHash(lastCommit) else { throw .lastCommitHashMismatch }
        if header.height <= 1 {
            guard lastCommit == nil else { throw .lastCommitPresence(height: header.height) }
        } else {
            guard let lastCommit else { throw .lastCommitPresence(height: header.height) }
            guard lastCommit.height == header.height - 1 else {
                throw .lastCommitHeight(expected: header.height - 1, got: lastCommit.height)
            }
        }
        for (index, transaction) in transactions.enumerated() where transaction.chainID != header.chainID {
            throw .transactionForOtherChain(index: index)
        }
    }

    public func encode(to writer: inout ByteWriter) {
        writer.write(header)
        writer.writeList(transactions)
        writer.writeList(evidence)
        writer.write(lastCommit)
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let start = reader.offset
        header = try Header(from: &reader)
        transactions = try reader.readList(Transaction.self, max: CodecLimits.transactionsPerBlockMax,
                                           minimumItemBytes: Transaction.encodedBytesMin, "block.transactions")
        evidence = try reader.readList(DuplicateVoteEvidence.self, max: CodecLimits.evidencePerBlockMax,
                                       minimumItemBytes: 2 * Vote.encodedBytesMin, "block.evidence")
        lastCommit = try reader.readOptional(Commit.self, "block.last_commit")
        let size = reader.offset - start
        if size > CodecLimits.blockBytesMax {
            throw reader.failure(.lengthTooLarge(length: size, max: CodecLimits.blockBytesMax), "block", at: start)
        }
    }
}

extension Vote {
    /// The smallest vote encoding (a vote for nil).
    static let encodedBytesMin = 1 + 8 + 4 + 1 + 20 + 4 + 64
}
