import RatifyCore
import RatifyLedger
import RatifyStore
import RatifyTestSupport
import Testing
@testable import RatifyNode

/// State sync's checks, pure: the light client's chain from a trusted block, and a snapshot
/// against the verified headers. Every lie a server could tell is refused.
@Suite("state sync verifier")
struct StateSyncVerifierTests {
    struct Chain {
        var lights: [LightBlock]
        var manifest: SnapshotManifest
        var chunks: [[UInt8]]
    }

    /// Four blocks of transfers; the snapshot is the state after block 3, and block 4's header
    /// carries its app hash.
    static func chain() async throws -> Chain {
        var fixture = try ChainFixture()
        let pool = Mempool(limits: MempoolTests.limits, ledger: fixture.ledger)
        var lights: [LightBlock] = []
        var snapshot: (ledger: Ledger, state: ChainState)?
        for height in 1...4 {
            _ = try await pool.add(fixture.transfer(ChainFixture.alice).canonicalBytes)
            _ = try await pool.add(fixture.transfer(ChainFixture.bob).canonicalBytes)
            let set = fixture.state.validators
            let (block, _) = try await fixture.commitBlock(mempool: pool)
            lights.append(LightBlock(block: block, commit: try #require(fixture.commits.last), validators: set))
            if height == 3 { snapshot = (fixture.ledger, fixture.state) }
        }
        let (ledger, state) = try #require(snapshot)
        let sets = [try #require(state.lastValidators), state.validators, state.nextValidators].map(\.canonicalBytes)
        let pairs = ledger.state.keyValues()
        let chunks = [SnapshotChunk.chain(validatorSets: sets)] + SnapshotChunk.state(pairs, targetBytes: 200)
        let manifest = SnapshotManifest(height: 3, appHash: ledger.state.appHash, blockHash: lights[2].header.blockID.hash,
                                        stateEntries: UInt64(pairs.count), chunkHashes: chunks.map { Hash.sha256($0) })
        return Chain(lights: lights, manifest: manifest, chunks: chunks)
    }

    static func failure(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("an honest chain from the trusted block and its snapshot verify; the state restores with every pair")
    func honest() async throws {
        let chain = try await Self.chain()
        try StateSyncVerifier.verifyChain(chainID: ChainFixture.chainID, trustHash: chain.lights[0].header.blockID.hash, blocks: chain.lights)
        #expect(chain.chunks.count > 2, "small chunks: the state spans several")
        let restored = try StateSyncVerifier.verifySnapshot(chain.manifest, chunks: chain.chunks, at: chain.lights[2], next: chain.lights[3])
        #expect(UInt64(restored.statePairs.count) == chain.manifest.stateEntries && restored.validatorSets.count == 3)
    }

    @Test("the light client refuses a wrong trust hash, a missing link, a foreign validator set and a commit without 2/3+")
    func chainLies() async throws {
        let chain = try await Self.chain()
        let id = ChainFixture.chainID, trust = chain.lights[0].header.blockID.hash
        #expect(Self.failure { try StateSyncVerifier.verifyChain(chainID: id, trustHash: Hash.sha256([1]), blocks: chain.lights) }?
            .contains("not the trusted") == true)
        #expect(Self.failure { try StateSyncVerifier.verifyChain(chainID: id, trustHash: trust, blocks: [chain.lights[0], chain.lights[2]]) }?
            .contains("does not follow") == true)
        var foreignSet = chain.lights
        foreignSet[1].validators = try ValidatorSet(validators: [Validator(publicKey: ChainFixture.alice.publicKey, votingPower: 10)])
        #expect(Self.failure { try StateSyncVerifier.verifyChain(chainID: id, trustHash: trust, blocks: foreignSet) }?
            .contains("not the one its header names") == true)
        var weak = chain.lights
        weak[2].commit = ChainFixture.commit(for: weak[2].block, validators: weak[2].validators, absent: [0, 1])
        #expect(Self.failure { try StateSyncVerifier.verifyChain(chainID: id, trustHash: trust, blocks: weak) }?
            .contains("does not prove it final") == true)
        var otherBlock = chain.lights
        otherBlock[3].commit = chain.lights[2].commit
        #expect(Self.failure { try StateSyncVerifier.verifyChain(chainID: id, trustHash: trust, blocks: otherBlock) }?
            .contains("for another block") == true)
    }

    @Test("a snapshot is refused for a tampered chunk, an app hash the next header does not carry, a state that hashes elsewhere, or the wrong block")
    func snapshotLies() async throws {
        let chain = try await Self.chain()
        let at = chain.lights[2], next = chain.lights[3]
        var tampered = chain.chunks
        tampered[1][tampered[1].count / 2] ^= 0x01
        #expect(StateSyncVerifier.badChunk(chain.manifest, chunks: tampered) == 1)
        #expect(Self.failure { _ = try StateSyncVerifier.verifySnapshot(chain.manifest, chunks: tampered, at: at, next: next) }?
            .contains("chunk 1 of snapshot 3 does not hash") == true)

        // A consistent manifest over other state: every chunk matches it, but not the header.
        var lying = chain.manifest
        lying.appHash = Hash.sha256([7])
        #expect(Self.failure { _ = try StateSyncVerifier.verifySnapshot(lying, chunks: chain.chunks, at: at, next: next) }?
            .contains("header 4 commits to") == true)

        // Chunks rehashed into the manifest, one pair dropped: the state no longer hashes to the app hash.
        var pairs = try SnapshotChunk.decodeState(chain.chunks[1])
        pairs.removeLast()
        var fewer = chain.chunks
        fewer[1] = SnapshotChunk.state(pairs, targetBytes: 1 << 20)[0]
        var rehashed = chain.manifest
        rehashed.chunkHashes = fewer.map { Hash.sha256($0) }
        rehashed.stateEntries -= 1
        #expect(Self.failure { _ = try StateSyncVerifier.verifySnapshot(rehashed, chunks: fewer, at: at, next: next) }?
            .contains("hashes to") == true)

        var wrongBlock = chain.manifest
        wrongBlock.blockHash = chain.lights[1].header.blockID.hash
        #expect(Self.failure { _ = try StateSyncVerifier.verifySnapshot(wrongBlock, chunks: chain.chunks, at: at, next: next) }?
            .contains("not the verified block") == true)
        #expect(Self.failure { _ = try StateSyncVerifier.verifySnapshot(chain.manifest, chunks: Array(chain.chunks.dropLast()), at: at, next: next) }?
            .contains("were fetched") == true)
        // A height at the end of the range is refused, never added to.
        var farBlock = at
        farBlock.block.header.height = .max
        #expect(Self.failure { _ = try StateSyncVerifier.verifySnapshot(chain.manifest, chunks: chain.chunks, at: farBlock, next: next) }?
            .contains("out of range") == true)
        var farChain = chain.lights
        farChain[0].block.header.height = .max
        #expect(Self.failure {
            try StateSyncVerifier.verifyChain(chainID: ChainFixture.chainID, trustHash: farChain[0].header.blockID.hash, blocks: farChain)
        } != nil)
    }
}
