import RatifyCore

/// Every block header of a `pow` chain this node accepted, as a tree rooted at the genesis,
/// with each block's height and cumulative work; and the fork choice over it. Pure: no I/O, no
/// clock (the caller passes the time), so the same calls give the same tree on every node.
///
/// A header enters only if its parent is in the tree (the caller holds orphans: `OrphanPool`)
/// and it passes every check that needs no body and no ledger state (`HeaderError`). Bodies
/// and state are the caller's; a block whose body or transactions turn out invalid is marked
/// with `markInvalid`, which takes it and its descendants out of the fork choice.
///
/// Fork choice (`bestTip`): the most cumulative work; among equal work, the block seen first.
/// `bestTip(containing:)` restricts it to chains through a given block: a hybrid chain's latest
/// justified checkpoint. It looks only at the tree's leaves (valid blocks without a valid
/// child), which the tree keeps as headers arrive and blocks are marked invalid: a child always
/// has more work than its parent, so the most work is always at a leaf, and the choice costs
/// the number of forks, not the number of blocks.
public struct BlockTree: Sendable {
    public struct Node: Hashable, Sendable {
        public let hash: PoWHash
        /// `PoWHash.zero` for the genesis.
        public let parent: PoWHash
        public let height: UInt64
        public let timeSeconds: UInt32
        public let bits: CompactTarget
        /// The sum of `bits.work` from block 1 to this one (0 at the genesis).
        public let chainWork: UInt256
        /// Arrival order; among equal work the lower wins (the first seen).
        public let sequence: UInt64
    }

    /// What the chain requires of every header.
    public struct Rules: Sendable {
        public var schedule: DifficultySchedule
        /// A header's time may be at most this far past the receiver's clock (Bitcoin: 2 hours;
        /// a chain of one-second blocks wants much less, or a miner could post-date blocks to
        /// make ASERT lower the difficulty).
        public var futureLimitSeconds: UInt32
        /// A header's time must exceed the median of this many ancestors' times (Bitcoin's
        /// median-time-past, 11).
        public static let medianTimeSpan = 11

        public init(schedule: DifficultySchedule, futureLimitSeconds: UInt32 = 60) {
            self.schedule = schedule
            self.futureLimitSeconds = futureLimitSeconds
        }
    }

    /// Why a header is not added. `tooFarAhead` may pass later; the others never do.
    public enum HeaderError: Error, Equatable, Sendable, CustomStringConvertible {
        case duplicate(PoWHash)
        case unknownParent(PoWHash)
        case invalidParent(PoWHash)
        case wrongBits(expected: CompactTarget, got: CompactTarget)
        case hashAboveTarget(PoWHash)
        case timeNotAfterMedian(time: UInt32, median: UInt32)
        case tooFarAhead(time: UInt32, limit: UInt32)

        public var description: String {
            switch self {
            case .duplicate(let hash): "block \(hash) is already known"
            case .unknownParent(let hash): "the parent \(hash) is not known"
            case .invalidParent(let hash): "the parent \(hash) is invalid"
            case .wrongBits(let expected, let got): "bits \(got) but the difficulty schedule requires \(expected)"
            case .hashAboveTarget(let hash): "hash \(hash) does not meet its target"
            case .timeNotAfterMedian(let time, let median): "time \(time) is not after the median time past \(median)"
            case .tooFarAhead(let time, let limit): "time \(time) is more than the future limit ahead (latest allowed \(limit))"
            }
        }
    }

    /// What moving the tip from one block to another takes.
    public struct ReorgPlan: Equatable, Sendable {
        /// The last block both chains share.
        public var forkPoint: Node
        /// From the old tip down to the fork point's child (the order to undo them in).
        public var disconnect: [Node]
        /// From the fork point's child up to the new tip (the order to apply them in).
        public var connect: [Node]
        /// How many blocks of the old chain are left: 0 when the new tip extends it.
        public var depth: Int { disconnect.count }
    }

    public let rules: Rules
    public let genesis: Node
    public private(set) var nodes: [PoWHash: Node]
    public private(set) var invalid: Set<PoWHash> = []
    private var children: [PoWHash: [PoWHash]] = [:]
    /// Valid blocks without a valid child: the fork choice's candidates.
    public private(set) var leaves: Set<PoWHash>
    private var nextSequence: UInt64 = 1

    public init(genesisHash: PoWHash, genesisTimeSeconds: UInt32, genesisBits: CompactTarget, rules: Rules) {
        self.rules = rules
        genesis = Node(hash: genesisHash, parent: .zero, height: 0, timeSeconds: genesisTimeSeconds, bits: genesisBits,
                       chainWork: .zero, sequence: 0)
        nodes = [genesisHash: genesis]
        leaves = [genesisHash]
    }

    public var count: Int { nodes.count }
    public func contains(_ hash: PoWHash) -> Bool { nodes[hash] != nil }
    public subscript(hash: PoWHash) -> Node? { nodes[hash] }

    // MARK: Adding headers

    /// The bits a child of `parent` must carry.
    public func expectedBits(after parent: Node) -> CompactTarget {
        rules.schedule.nextBits(parentHeight: parent.height, parentTimeMillis: Int64(parent.timeSeconds) * 1000,
                                parentBits: parent.bits,
                                ancestorTimeMillis: { height in ancestor(of: parent.hash, atHeight: height).map { Int64($0.timeSeconds) * 1000 } })
    }

    /// The median time of `node` and up to 10 of its ancestors (Bitcoin's `GetMedianTimePast`).
    public func medianTimePast(of node: Node) -> UInt32 {
        var times: [UInt32] = []
        var current: Node? = node
        while let step = current, times.count < Rules.medianTimeSpan {
            times.append(step.timeSeconds)
            current = step.hash == genesis.hash ? nil : nodes[step.parent]
        }
        times.sort()
        return times[times.count / 2]
    }

    /// Checks `header` against its parent and the chain's rules without adding it.
    public func check(_ header: BlockHeader80, hash: PoWHash, nowSeconds: UInt32) throws(HeaderError) -> Node {
        guard nodes[hash] == nil else { throw .duplicate(hash) }
        guard !invalid.contains(header.previousHash) else { throw .invalidParent(header.previousHash) }
        guard let parent = nodes[header.previousHash] else { throw .unknownParent(header.previousHash) }
        let expected = expectedBits(after: parent)
        guard header.bits == expected else { throw .wrongBits(expected: expected, got: header.bits) }
        guard let target = header.bits.target, hash.value <= target else { throw .hashAboveTarget(hash) }
        let median = medianTimePast(of: parent)
        guard header.time > median else { throw .timeNotAfterMedian(time: header.time, median: median) }
        let (limit, overflow) = nowSeconds.addingReportingOverflow(rules.futureLimitSeconds)
        guard overflow || header.time <= limit else { throw .tooFarAhead(time: header.time, limit: limit) }
        // Work saturates rather than wraps: no real chain comes near 2^256 hashes.
        let (sum, workOverflow) = parent.chainWork.addingReportingOverflow(header.bits.work)
        return Node(hash: hash, parent: parent.hash, height: parent.height + 1, timeSeconds: header.time, bits: header.bits,
                    chainWork: workOverflow ? .max : sum, sequence: nextSequence)
    }

    /// Adds a header that passes `check`; returns its node.
    @discardableResult
    public mutating func insert(_ header: BlockHeader80, nowSeconds: UInt32) throws(HeaderError) -> Node {
        let node = try check(header, hash: header.hash, nowSeconds: nowSeconds)
        nodes[node.hash] = node
        children[node.parent, default: []].append(node.hash)
        leaves.remove(node.parent)
        leaves.insert(node.hash)
        nextSequence += 1
        return node
    }

    /// Takes `hash` and every descendant out of the fork choice for good (its body or a
    /// transaction was invalid). The genesis cannot be marked.
    public mutating func markInvalid(_ hash: PoWHash) {
        guard hash != genesis.hash, nodes[hash] != nil else { return }
        var pending = [hash]
        while let next = pending.popLast() {
            guard invalid.insert(next).inserted else { continue }
            leaves.remove(next)
            pending += children[next] ?? []
        }
        // The parent (valid: check refuses children of invalid blocks) is a leaf again once
        // none of its children is valid.
        if let parent = nodes[hash]?.parent, !invalid.contains(parent),
           (children[parent] ?? []).allSatisfy({ invalid.contains($0) }) {
            leaves.insert(parent)
        }
    }

    // MARK: Fork choice

    /// The valid block with the most cumulative work, the first seen among equals; with
    /// `required`, only among blocks that have `required` as an ancestor (or are it).
    public func bestTip(containing required: PoWHash? = nil) -> Node {
        var best = required.flatMap { nodes[$0] } ?? genesis
        for leaf in leaves {
            guard var candidate = nodes[leaf] else { continue }
            // Work saturates at 2^256 - 1 (`check`), so only there can a parent equal its
            // child's work; the first seen of them, the ancestor, is the choice.
            while candidate.hash != required, candidate.hash != genesis.hash, let parent = nodes[candidate.parent],
                  parent.chainWork == candidate.chainWork {
                candidate = parent
            }
            guard candidate.chainWork > best.chainWork
                    || (candidate.chainWork == best.chainWork && candidate.sequence < best.sequence) else { continue }
            if let required, !isAncestor(required, of: candidate.hash) { continue }
            best = candidate
        }
        return best
    }

    /// The ancestor of `hash` at `height` (itself at its own height), nil above it.
    public func ancestor(of hash: PoWHash, atHeight height: UInt64) -> Node? {
        guard var node = nodes[hash], height <= node.height else { return nil }
        while node.height > height {
            guard let parent = nodes[node.parent] else { return nil }
            node = parent
        }
        return node
    }

    /// Whether `ancestor` is `hash` or one of its ancestors.
    public func isAncestor(_ ancestor: PoWHash, of hash: PoWHash) -> Bool {
        guard let target = nodes[ancestor] else { return false }
        return self.ancestor(of: hash, atHeight: target.height)?.hash == ancestor
    }

    /// The last block the chains ending at `a` and `b` share.
    public func commonAncestor(_ a: PoWHash, _ b: PoWHash) -> Node? {
        guard var left = nodes[a], var right = nodes[b] else { return nil }
        while left.height > right.height { guard let up = nodes[left.parent] else { return nil }; left = up }
        while right.height > left.height { guard let up = nodes[right.parent] else { return nil }; right = up }
        while left.hash != right.hash {
            guard let upLeft = nodes[left.parent], let upRight = nodes[right.parent] else { return nil }
            left = upLeft
            right = upRight
        }
        return left
    }

    /// The blocks to disconnect and connect to move the tip from `from` to `to`.
    public func reorgPlan(from: PoWHash, to: PoWHash) -> ReorgPlan? {
        guard let fork = commonAncestor(from, to), var old = nodes[from], var new = nodes[to] else { return nil }
        var disconnect: [Node] = []
        while old.hash != fork.hash {
            disconnect.append(old)
            guard let parent = nodes[old.parent] else { return nil }
            old = parent
        }
        var connect: [Node] = []
        while new.hash != fork.hash {
            connect.append(new)
            guard let parent = nodes[new.parent] else { return nil }
            new = parent
        }
        return ReorgPlan(forkPoint: fork, disconnect: disconnect, connect: connect.reversed())
    }
}
