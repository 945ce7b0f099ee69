import Testing
import RatifyCore
import RatifyNet
import RatifyTestSupport
@testable import RatifyNode

/// Block sync's bookkeeping without I/O: what it holds, what it hands out, what it asks for.
@Suite("block sync bookkeeping")
struct BlockSyncTests {
    static let peerA = ChainFixture.alice.publicKey.address
    static let peerB = ChainFixture.bob.publicKey.address

    static func block(_ height: Height, seed: UInt64 = 0) -> Block {
        HeldDataTests.junkBlock(height: height, seed: seed)
    }

    static func commit(for block: Block) -> Commit {
        Commit(height: block.height, round: 0, blockID: block.id, signatures: [])
    }

    static func junkCommit(height: Height, seed: Int) -> Commit {
        Commit(height: height, round: 0, blockID: BlockID(hash: Hash.sha256(Array("junk \(seed)".utf8))), signatures: [])
    }

    @Test("commits behind the next height or past the window are not held; a second commit for a block is not either")
    func window() {
        var sync = BlockSync()
        let next: Height = 10
        #expect(sync.hold(Self.junkCommit(height: 9, seed: 0), from: Self.peerA, nextHeight: next) == .outsideWindow)
        let pastWindow = Self.junkCommit(height: next + BlockSync.heightsAheadKept + 1, seed: 1)
        #expect(sync.hold(pastWindow, from: Self.peerA, nextHeight: next) == .outsideWindow)
        let last = Self.junkCommit(height: next + BlockSync.heightsAheadKept, seed: 2)
        #expect(sync.hold(last, from: Self.peerA, nextHeight: next) == .held(evicted: nil, newTarget: true))
        #expect(sync.hold(last, from: Self.peerB, nextHeight: next) == .alreadyHeld)
        #expect(sync.commits.count == 1)
        #expect(sync.servingPeer == Self.peerA, "a copy not held does not change who serves")
        #expect(sync.peerCommitHeightMax == next + BlockSync.heightsAheadKept)
        // An untrusted height at the top of the range does not trap.
        #expect(sync.hold(Self.junkCommit(height: .max, seed: 3), from: Self.peerA, nextHeight: next) == .outsideWindow)
        #expect(sync.hold(Self.junkCommit(height: .max, seed: 4), from: Self.peerA, nextHeight: .max) == .held(evicted: nil, newTarget: true))
    }

    @Test("a peer past its quota pushes out its own oldest commit, never another peer's")
    func quota() {
        var sync = BlockSync()
        let honest = Self.commit(for: Self.block(2))
        #expect(sync.hold(honest, from: Self.peerB, nextHeight: 2) == .held(evicted: nil, newTarget: true))
        var evicted: [Commit] = []
        for seed in 0..<(BlockSync.heldPerPeerMax + 5) {
            let junk = Self.junkCommit(height: 2 + Height(seed % 20), seed: seed)
            if case .held(let out?, _) = sync.hold(junk, from: Self.peerA, nextHeight: 2) { evicted.append(out) }
        }
        #expect(evicted.count == 5)
        #expect(evicted.first == Self.junkCommit(height: 2, seed: 0), "the oldest goes first")
        #expect(sync.commits.count == BlockSync.heldPerPeerMax + 1)
        #expect(sync.holdsCommit(for: honest.blockID))
    }

    @Test("a run is the consecutive heights whose block and commit are both held, each handed out once")
    func runs() {
        var sync = BlockSync()
        let blocks = (2...6).map { Self.block($0) }
        var held: [BlockID: Block] = [:]
        // Heights 2, 3 and 5 have both halves, 4 only its commit: the run stops at 4.
        for block in blocks {
            _ = sync.hold(Self.commit(for: block), from: Self.peerA, nextHeight: 2)
            if block.height != 4 { held[block.id] = block }
        }
        // A junk commit for height 2 whose block never comes does not hide the real one.
        _ = sync.hold(Self.junkCommit(height: 2, seed: 9), from: Self.peerB, nextHeight: 2)
        #expect(sync.takeRun(from: 1, blocks: &held).isEmpty, "nothing at the node's next height")
        let run = sync.takeRun(from: 2, blocks: &held)
        #expect(run.map(\.block.height) == [2, 3])
        #expect(run.allSatisfy { $0.commit.blockID == $0.block.id && $0.peer == Self.peerA })
        #expect(held.keys.contains(blocks[3].id) && held.count == 2, "what was taken left the block map")
        #expect(sync.takeRun(from: 2, blocks: &held).isEmpty, "handed out once")
        held[blocks[2].id] = blocks[2]
        #expect(sync.takeRun(from: 4, blocks: &held).map(\.block.height) == [4, 5, 6])
        #expect(sync.commits.count == 1 && sync.commits.values.first?.peer == Self.peerB, "the junk commit waits for pruning")
        sync.prune(decided: 6)
        #expect(sync.commits.isEmpty)
    }

    @Test("a run holds at most the window's heights")
    func runLength() {
        var sync = BlockSync()
        var held: [BlockID: Block] = [:]
        for height in Height(1)...Height(BlockSync.heightsAheadKept + 1) {
            let block = Self.block(height)
            held[block.id] = block
            _ = sync.hold(Self.commit(for: block), from: Self.peerA, nextHeight: 1)
        }
        #expect(sync.takeRun(from: 1, blocks: &held).count == Int(BlockSync.heightsAheadKept))
        #expect(sync.takeRun(from: 1 + BlockSync.heightsAheadKept, blocks: &held).count == 1)
    }

    @Test("the serving peer is asked for the window once, then for the next height and each new one")
    func requests() {
        var sync = BlockSync()
        #expect(sync.requests(nextHeight: 5) == nil, "no peer has served a commit")
        _ = sync.hold(Self.junkCommit(height: 5, seed: 0), from: Self.peerB, nextHeight: 5)
        let first = sync.requests(nextHeight: 5)
        #expect(first?.peer == Self.peerB)
        // Height 5's commit is here, so only the heights after it.
        #expect(first?.heights == Array(6...(5 + BlockSync.heightsAheadKept - 1)))
        sync.prune(decided: 5)
        let second = sync.requests(nextHeight: 6)
        #expect(second?.heights == [6, 6 + BlockSync.heightsAheadKept - 1], "the next height again, and the one new height")
        #expect(sync.requestedThrough == 6 + BlockSync.heightsAheadKept - 1)
    }

    @Test("pruning frees a peer's quota")
    func pruneFreesQuota() {
        var sync = BlockSync()
        for seed in 0..<BlockSync.heldPerPeerMax {
            _ = sync.hold(Self.junkCommit(height: 1 + Height(seed % 30), seed: seed), from: Self.peerA, nextHeight: 1)
        }
        sync.prune(decided: 30)
        #expect(sync.commits.isEmpty)
        #expect(sync.hold(Self.junkCommit(height: 31, seed: 99), from: Self.peerA, nextHeight: 31) == .held(evicted: nil, newTarget: true))
    }
}
