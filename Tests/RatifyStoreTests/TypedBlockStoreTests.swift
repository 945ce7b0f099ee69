import RatifyCore
import Testing
@testable import RatifyStore

@Suite("typed block store")
struct TypedBlockStoreTests {
    static let genesis = Hash.sha256(Array("typed store genesis".utf8))
    static let key = KeyPair(seed: [UInt8](repeating: 3, count: 32))

    /// A chain of `count` empty blocks, each with a one-signature commit.
    static func chain(_ count: Int) throws -> [(Block, Commit)] {
        let key = try #require(Self.key)
        var result: [(Block, Commit)] = []
        var lastBlockID = BlockID.zero
        var lastCommit: Commit?
        for height in 1...UInt64(count) {
            let block = Block.make(
                chainID: "typed-test", height: height, timeMillis: 1_000 * height, lastBlockID: lastBlockID,
                lastCommit: lastCommit, transactions: [], evidence: [], validatorsHash: .zero,
                nextValidatorsHash: .zero, appHash: .zero, proposerAddress: key.publicKey.address)
            let signBytes = Vote.signBytes(chainID: "typed-test", type: .precommit, height: height, round: 0, blockID: block.id)
            let commit = Commit(height: height, round: 0, blockID: block.id, signatures: [.commit(key.sign(signBytes))])
            result.append((block, commit))
            lastBlockID = block.id
            lastCommit = commit
        }
        return result
    }

    @Test("blocks and commits stored as RatifyCore types read back equal and verify by header hash")
    func typedRoundTrip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        let chain = try Self.chain(3)
        for (block, commit) in chain {
            try store.blocks.commit(block: block, commit: commit, stateWrites: [], appHash: .zero)
        }
        #expect(try store.blocks.block(height: 3) == chain[2].0)
        #expect(try store.blocks.commit(height: 2) == chain[1].1)
        #expect(try store.blocks.height(blockHash: chain[0].0.id.hash) == 1)
        #expect(try store.blocks.verifyBlocks().isEmpty)
    }

    @Test("a commit for another block is refused, and undecodable block bytes are reported by verifyBlocks")
    func mismatches() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore.open(dataDirectory: directory.path, genesisHash: Self.genesis)
        defer { store.close() }
        let chain = try Self.chain(2)
        #expect(throws: StoreError.self) {
            try store.blocks.commit(block: chain[0].0, commit: chain[1].1, stateWrites: [], appHash: .zero)
        }
        #expect(try store.blocks.latestHeight() == 0)
        try store.blocks.commit(block: chain[0].0, commit: chain[0].1, stateWrites: [], appHash: .zero)
        try store.blocks.commit(
            height: 2, blockBytes: [1, 2, 3], commitBytes: chain[1].1.canonicalBytes, blockHash: chain[1].0.id.hash,
            stateWrites: [], appHash: .zero)
        let problems = try store.blocks.verifyBlocks()
        #expect(problems.count == 1)
        #expect(problems.first?.height == 2)
        #expect(throws: StoreError.self) { _ = try store.blocks.block(height: 2) }
    }

    @Test("vote types map to the signer's steps in order")
    func voteSteps() {
        #expect(SignStep(VoteType.prevote) == .prevote)
        #expect(SignStep(VoteType.precommit) == .precommit)
        #expect(SignStep.proposal < SignStep(VoteType.prevote))
    }
}
