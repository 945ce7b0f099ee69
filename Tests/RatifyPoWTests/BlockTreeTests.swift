import RatifyCore
import Testing
@testable import RatifyPoW

/// Builds headers on a tree whose target is near-trivial (regtest's 207fffff: about one hash in
/// two meets it), one second apart as the schedule wants, so ASERT keeps the bits.
struct TreeFixture {
    static let genesisTime: UInt32 = 1_767_225_600
    static let genesisHash = PoWHash(raw: Hash.sha256(Array("tree test genesis".utf8)).raw)
    var tree: BlockTree
    var salt: UInt8 = 0

    init(futureLimitSeconds: UInt32 = 60, targetBlockMillis: UInt64 = 1_000) {
        var params = PoWParams()
        params.initialBits = 0x207f_ffff
        params.targetBlockMillis = targetBlockMillis
        let schedule = DifficultySchedule(params: params, genesisTimeMillis: Int64(Self.genesisTime) * 1000)
        tree = BlockTree(genesisHash: Self.genesisHash, genesisTimeSeconds: Self.genesisTime,
                         genesisBits: CompactTarget(bits: params.initialBits),
                         rules: BlockTree.Rules(schedule: schedule, futureLimitSeconds: futureLimitSeconds))
    }

    /// A header on `parent` meeting the expected bits (or `bits`), `seconds` after it; each
    /// call gets a different Merkle root so siblings differ.
    mutating func header(on parent: PoWHash, after seconds: UInt32 = 1, bits: CompactTarget? = nil,
                         meetingTarget: Bool = true) -> BlockHeader80 {
        salt &+= 1
        let parentNode = tree[parent] ?? tree.genesis
        var header = BlockHeader80(version: 1, previousHash: parent, merkleRoot: PoWHash(raw: Hash.sha256([salt]).raw),
                                   time: parentNode.timeSeconds + seconds, bits: bits ?? tree.expectedBits(after: parentNode),
                                   nonce: 0)
        let target = header.bits.target ?? .zero
        while (header.hash.value <= target) != meetingTarget { header.nonce += 1 }
        return header
    }

    /// Adds `count` blocks on `parent`; returns their hashes, oldest first.
    mutating func extend(_ parent: PoWHash, by count: Int, now: UInt32 = .max - 100) throws -> [PoWHash] {
        var hashes: [PoWHash] = []
        var tip = parent
        for _ in 0..<count {
            let header = header(on: tip)
            tip = try tree.insert(header, nowSeconds: now).hash
            hashes.append(tip)
        }
        return hashes
    }
}

@Suite("block tree: most-work fork choice, reorg plans, header rules")
struct BlockTreeTests {
    @Test("a chain of blocks: heights count up, work adds up, the newest block is the tip")
    func linearChain() throws {
        var fixture = TreeFixture()
        let hashes = try fixture.extend(TreeFixture.genesisHash, by: 5)
        let tip = fixture.tree.bestTip()
        #expect(tip.hash == hashes[4])
        #expect(tip.height == 5)
        let work = CompactTarget(bits: 0x207f_ffff).work
        var expected = UInt256.zero
        for _ in 0..<5 { expected = expected.addingReportingOverflow(work).partialValue }
        #expect(tip.chainWork == expected)
        #expect(fixture.tree.ancestor(of: hashes[4], atHeight: 2)?.hash == hashes[1])
        #expect(fixture.tree.isAncestor(hashes[0], of: hashes[4]))
        #expect(!fixture.tree.isAncestor(hashes[4], of: hashes[0]))
    }

    @Test("a longer fork wins; the plan disconnects the old blocks newest first and connects the new oldest first")
    func reorgToMoreWork() throws {
        var fixture = TreeFixture()
        let trunk = try fixture.extend(TreeFixture.genesisHash, by: 3)
        let old = try fixture.extend(trunk[2], by: 2)
        #expect(fixture.tree.bestTip().hash == old[1])
        let new = try fixture.extend(trunk[2], by: 3)
        #expect(fixture.tree.bestTip().hash == new[2])
        #expect(fixture.tree.commonAncestor(old[1], new[2])?.hash == trunk[2])
        let plan = try #require(fixture.tree.reorgPlan(from: old[1], to: new[2]))
        #expect(plan.forkPoint.hash == trunk[2])
        #expect(plan.disconnect.map(\.hash) == [old[1], old[0]])
        #expect(plan.connect.map(\.hash) == new)
        #expect(plan.depth == 2)
        let extend = try #require(fixture.tree.reorgPlan(from: trunk[1], to: trunk[2]))
        #expect(extend.depth == 0 && extend.connect.map(\.hash) == [trunk[2]])
    }

    @Test("equal work keeps the block seen first, whichever arrives later")
    func tieKeepsFirstSeen() throws {
        var fixture = TreeFixture()
        let first = try fixture.extend(TreeFixture.genesisHash, by: 2)
        let second = try fixture.extend(TreeFixture.genesisHash, by: 2)
        #expect(fixture.tree.bestTip().hash == first[1])
        #expect(fixture.tree[first[1]]?.chainWork == fixture.tree[second[1]]?.chainWork)
        let third = try fixture.extend(second[1], by: 1)
        #expect(fixture.tree.bestTip().hash == third[0])
    }

    @Test("an invalid block and its descendants leave the fork choice; children of it are refused")
    func markInvalid() throws {
        var fixture = TreeFixture()
        let trunk = try fixture.extend(TreeFixture.genesisHash, by: 2)
        let long = try fixture.extend(trunk[1], by: 3)
        let short = try fixture.extend(trunk[1], by: 1)
        #expect(fixture.tree.bestTip().hash == long[2])
        fixture.tree.markInvalid(long[0])
        #expect(fixture.tree.bestTip().hash == short[0])
        #expect(fixture.tree.invalid.isSuperset(of: long))
        let child = fixture.header(on: long[2])
        #expect(throws: BlockTree.HeaderError.invalidParent(long[2])) { try fixture.tree.insert(child, nowSeconds: .max - 100) }
        fixture.tree.markInvalid(TreeFixture.genesisHash)
        #expect(fixture.tree.bestTip().hash == short[0])
    }

    @Test("a required ancestor restricts the fork choice to chains through it")
    func requiredAncestor() throws {
        var fixture = TreeFixture()
        let trunk = try fixture.extend(TreeFixture.genesisHash, by: 1)
        let long = try fixture.extend(trunk[0], by: 4)
        let short = try fixture.extend(trunk[0], by: 2)
        #expect(fixture.tree.bestTip().hash == long[3])
        #expect(fixture.tree.bestTip(containing: short[0]).hash == short[1])
        #expect(fixture.tree.bestTip(containing: trunk[0]).hash == long[3])
        #expect(fixture.tree.bestTip(containing: short[1]).hash == short[1])
    }

    @Test("headers are refused for an unknown parent, wrong bits, a hash above the target, a time not after the median, or a time too far ahead")
    func headerRules() throws {
        var fixture = TreeFixture(futureLimitSeconds: 60)
        let hashes = try fixture.extend(TreeFixture.genesisHash, by: 11)
        let tip = try #require(fixture.tree[hashes[10]])
        let now = tip.timeSeconds

        let orphan = fixture.header(on: PoWHash(raw: Hash.sha256([9]).raw))
        #expect(throws: BlockTree.HeaderError.unknownParent(orphan.previousHash)) { try fixture.tree.insert(orphan, nowSeconds: now) }

        let wrongBits = fixture.header(on: tip.hash, bits: CompactTarget(bits: 0x2000_ffff))
        #expect(throws: BlockTree.HeaderError.wrongBits(expected: tip.bits, got: CompactTarget(bits: 0x2000_ffff))) {
            try fixture.tree.insert(wrongBits, nowSeconds: now)
        }

        let unsolved = fixture.header(on: tip.hash, meetingTarget: false)
        #expect(throws: BlockTree.HeaderError.hashAboveTarget(unsolved.hash)) { try fixture.tree.insert(unsolved, nowSeconds: now) }

        // Eleven blocks one second apart: the median of the last eleven is the sixth's time.
        let median = fixture.tree.medianTimePast(of: tip)
        #expect(median == tip.timeSeconds - 5)
        var early = fixture.header(on: tip.hash)
        early.time = median
        while !early.meetsOwnTarget { early.nonce += 1 }
        #expect(throws: BlockTree.HeaderError.timeNotAfterMedian(time: median, median: median)) {
            try fixture.tree.insert(early, nowSeconds: now)
        }

        let ahead = fixture.header(on: tip.hash, after: 61)
        #expect(throws: BlockTree.HeaderError.tooFarAhead(time: now + 61, limit: now + 60)) {
            try fixture.tree.insert(ahead, nowSeconds: now)
        }
        // Later, by the receiver's clock, the same header is fine.
        #expect(throws: Never.self) { try fixture.tree.insert(ahead, nowSeconds: now + 1) }
        #expect(throws: BlockTree.HeaderError.duplicate(ahead.hash)) { try fixture.tree.insert(ahead, nowSeconds: now + 1) }
    }

    @Test("blocks faster than the schedule raise the difficulty the next header must carry")
    func difficultyFollowsSchedule() throws {
        // One-second blocks on a ten-second schedule.
        var fixture = TreeFixture(targetBlockMillis: 10_000)
        var tip = TreeFixture.genesisHash
        for _ in 0..<20 {
            let header = fixture.header(on: tip, after: 1)
            tip = try fixture.tree.insert(header, nowSeconds: .max - 100).hash
        }
        let node = try #require(fixture.tree[tip])
        let expected = try #require(fixture.tree.expectedBits(after: node).target)
        let initial = try #require(CompactTarget(bits: 0x207f_ffff).target)
        #expect(expected < initial)
    }

    @Test("the fork choice over the leaves picks what a scan of every block picks, through forks, invalid marks and required ancestors")
    func leavesMatchFullScan() throws {
        for seed in UInt64(1)...40 {
            var random = SplitMix64(seed: seed)
            // A two-second schedule with gaps of one to four seconds: ASERT moves the bits, so
            // forks carry different work.
            var fixture = TreeFixture(targetBlockMillis: 2_000)
            var hashes = [TreeFixture.genesisHash]
            for step in 0..<120 {
                // Mostly extend a recent block, sometimes fork from an older one.
                let back = random.next() % 4 == 0 ? Int(random.next() % UInt64(hashes.count)) : Int(random.next() % UInt64(min(3, hashes.count)))
                let parent = hashes[hashes.count - 1 - back]
                if fixture.tree.invalid.contains(parent) { continue }
                let header = fixture.header(on: parent, after: UInt32(1 + random.next() % 4))
                hashes.append(try fixture.tree.insert(header, nowSeconds: .max - 100).hash)
                if step % 17 == 16 {
                    fixture.tree.markInvalid(hashes[1 + Int(random.next() % UInt64(hashes.count - 1))])
                }
                let tree = fixture.tree
                #expect(tree.leaves == Self.scannedLeaves(tree), "seed \(seed), step \(step)")
                let required = hashes[Int(random.next() % UInt64(hashes.count))]
                #expect(tree.bestTip().hash == Self.scannedBestTip(tree, containing: nil).hash, "seed \(seed), step \(step)")
                #expect(tree.bestTip(containing: required).hash == Self.scannedBestTip(tree, containing: required).hash,
                        "seed \(seed), step \(step)")
            }
        }
    }

    /// The fork choice as a scan of every valid block (what `bestTip` computed before it kept
    /// its leaves): the most work, the first seen among equals, through `required` if given.
    static func scannedBestTip(_ tree: BlockTree, containing required: PoWHash?) -> BlockTree.Node {
        var best = required.flatMap { tree[$0] } ?? tree.genesis
        for node in tree.nodes.values where !tree.invalid.contains(node.hash) {
            guard node.chainWork > best.chainWork || (node.chainWork == best.chainWork && node.sequence < best.sequence) else { continue }
            if let required, !tree.isAncestor(required, of: node.hash) { continue }
            best = node
        }
        return best
    }

    /// Valid blocks none of whose children is valid, found by looking at every block.
    static func scannedLeaves(_ tree: BlockTree) -> Set<PoWHash> {
        var withValidChild = Set<PoWHash>()
        for node in tree.nodes.values where !tree.invalid.contains(node.hash) && node.hash != tree.genesis.hash {
            withValidChild.insert(node.parent)
        }
        return Set(tree.nodes.keys.filter { !tree.invalid.contains($0) && !withValidChild.contains($0) })
    }
}

@Suite("orphan pool and block format")
struct OrphanPoolTests {
    static func block(parent: PoWHash, salt: UInt64, transactions: [Transaction] = []) -> PoWBlock {
        let coinbase = PoWBlock.Coinbase(height: 1, miner: Address(raw: .zero), extraNonce: salt)
        let header = BlockHeader80(version: 1, previousHash: parent,
                                   merkleRoot: PoWBlock.merkleRoot(coinbase: coinbase, transactions: transactions),
                                   time: 1, bits: CompactTarget(bits: 0x207f_ffff), nonce: 0)
        return PoWBlock(header: header, coinbase: coinbase, transactions: transactions)
    }

    @Test("holds at most its capacity, dropping the oldest; hands children over when the parent arrives")
    func bounded() {
        var pool = OrphanPool(capacity: 3)
        let root = PoWHash(raw: Hash.sha256([1]).raw)
        let a = Self.block(parent: root, salt: 1)
        let b = Self.block(parent: a.hash, salt: 2)
        let c = Self.block(parent: b.hash, salt: 3)
        let d = Self.block(parent: root, salt: 4)
        pool.add(a)
        pool.add(b)
        pool.add(c)
        #expect(pool.add(d) == a.hash)
        #expect(pool.count == 3 && !pool.contains(a.hash))
        #expect(pool.takeChildren(of: root).map(\.hash) == [d.hash])
        #expect(pool.takeChildren(of: a.hash).map(\.hash) == [b.hash])
        #expect(pool.count == 1)
    }

    @Test("a block encodes and decodes to itself; its Merkle root commits to every body byte")
    func codec() throws {
        let key = try #require(KeyPair(seed: [UInt8](repeating: 3, count: 32)))
        let transaction = Transaction.signed(chainID: "pow-test", sender: key, nonce: 0, fee: 1,
                                             payload: .transfer(to: Address(raw: .zero), amount: 5))
        let block = Self.block(parent: .zero, salt: 7, transactions: [transaction])
        #expect(block.merkleRootMatches)
        let decoded = try PoWBlock(canonicalBytes: block.canonicalBytes)
        #expect(decoded == block)
        #expect(Array(block.canonicalBytes.prefix(80)) == block.header.bytes)
        var changed = block
        changed.coinbase.miner = key.publicKey.address
        #expect(!changed.merkleRootMatches)
        changed = block
        changed.transactions = []
        #expect(!changed.merkleRootMatches)
        // Truncations and garbage are errors, never traps.
        let bytes = block.canonicalBytes
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: DecodeError.self) { try PoWBlock(canonicalBytes: Array(bytes.prefix(length))) }
        }
    }
}

@Suite("block decoder fuzzing")
struct PoWBlockFuzzTests {
    @Test("mutated and random blocks never trap, and what decodes re-encodes to the same bytes")
    func fuzz() throws {
        let key = try #require(KeyPair(seed: [UInt8](repeating: 5, count: 32)))
        let transactions = (0..<3).map { nonce in
            Transaction.signed(chainID: "pow-fuzz", sender: key, nonce: UInt64(nonce), fee: 1, payload: .transfer(to: Address(raw: .zero), amount: 1))
        }
        let seed = OrphanPoolTests.block(parent: .zero, salt: 9, transactions: transactions).canonicalBytes
        let rngSeed: UInt64 = 0x90_F0_22
        var random = SplitMix64(seed: rngSeed)
        var rejected = 0
        for iteration in 0..<30_000 {
            var bytes = seed
            if iteration % 5 == 0 {
                bytes = (0..<Int.random(in: 0...400, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    guard !bytes.isEmpty else { break }
                    let index = Int.random(in: 0..<bytes.count, using: &random)
                    switch Int.random(in: 0..<4, using: &random) {
                    case 0: bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
                    case 1: bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
                    case 2: bytes.insert(UInt8.random(in: 0...255, using: &random), at: index)
                    default:
                        // A would-be length or count made huge.
                        if index + 4 <= bytes.count { bytes.replaceSubrange(index..<(index + 4), with: [0xff, 0xff, 0xff, 0xff]) }
                    }
                }
            }
            guard let block = try? PoWBlock(canonicalBytes: bytes) else {
                rejected += 1
                continue
            }
            if block.canonicalBytes != bytes {
                Issue.record("accepted input re-encodes differently (seed \(rngSeed), iteration \(iteration))")
                return
            }
        }
        #expect(rejected > 10_000, "most mutations outside the header are refused")
    }
}
