import RatifyCore
import RatifyNet

/// Block sync's bookkeeping, without I/O: the commits peers sent for heights at and a little
/// past this node's next one, the peer that serves them, and which heights were asked of it.
/// The driver holds one; `NodeDriver+BlockSync.swift` applies what it hands out (checking each
/// commit and block, executing, storing) and sends the requests it names.
///
/// A node that is behind learns of it from a commit (peers gossip the decided block and commit
/// of a height to a peer below it), asks that peer for the next `heightsAheadKept` heights, and
/// applies each run of consecutive heights whose block and commit are both held.
struct BlockSync: Sendable {
    /// How many heights past the current one blocks and commits are held for: the window a
    /// node that is behind keeps requested from the peer that serves it.
    static let heightsAheadKept: Height = 32
    /// A peer is asked for `heightsAheadKept` heights at a time: room for those, and a few more.
    static let heldPerPeerMax = Int(heightsAheadKept) + 8

    /// A commit held until block sync reaches its height, and the peer that sent it.
    struct HeldCommit: Sendable {
        var commit: Commit
        var peer: NodeID
    }

    /// One height ready to apply: its block, the commit that proves it final, and who sent the
    /// commit (disconnected if it does not verify).
    struct Ready: Sendable {
        var block: Block
        var commit: Commit
        var peer: NodeID
    }

    /// What became of a commit offered to `hold`.
    enum Outcome: Equatable, Sendable {
        /// Held; `evicted` is the sender's oldest held commit, dropped to make room (an honest
        /// peer never sends more than block sync asked for). `newTarget`: the highest height a
        /// peer has finalized went up.
        case held(evicted: Commit?, newTarget: Bool)
        /// A commit for that block is held already; this copy is not kept.
        case alreadyHeld
        /// Not a height block sync keeps (behind `nextHeight`, or past the window).
        case outsideWindow
    }

    private(set) var commits: [BlockID: HeldCommit] = [:]
    private var quota = PeerQuota<BlockID>(limitPerPeer: BlockSync.heldPerPeerMax)
    /// The peer that sent the latest commit: block sync asks it for the heights ahead.
    private(set) var servingPeer: NodeID?
    /// The highest height requested from `servingPeer`.
    private(set) var requestedThrough: Height = 0
    /// The highest height a peer has sent a commit for: a peer has finalized it.
    private(set) var peerCommitHeightMax: Height = 0
    /// Set while a run's store transaction runs off the driver's actor: the core and other
    /// runs do not store meanwhile.
    var storeInFlight = false

    /// Whether `height` lies in the window block sync keeps blocks and commits for.
    static func keeps(_ height: Height, nextHeight: Height) -> Bool {
        height >= nextHeight && height - nextHeight <= heightsAheadKept
    }

    /// `/status`'s `catching_up`: behind when a peer has sent a commit two or more heights past
    /// `latestHeight`; one height is the ordinary gap between a peer's decision and this node's.
    static func isCatchingUp(latestHeight: Height, peerCommitHeightMax: Height) -> Bool {
        peerCommitHeightMax > latestHeight && peerCommitHeightMax - latestHeight >= 2
    }

    func isCatchingUp(latestHeight: Height) -> Bool {
        Self.isCatchingUp(latestHeight: latestHeight, peerCommitHeightMax: peerCommitHeightMax)
    }

    func holdsCommit(for id: BlockID) -> Bool { commits[id] != nil }

    /// Holds a commit a peer sent. The first commit held for a block keeps its place until
    /// block sync checks it (a junk one is then dropped and its sender disconnected).
    mutating func hold(_ commit: Commit, from peer: NodeID, nextHeight: Height) -> Outcome {
        guard Self.keeps(commit.height, nextHeight: nextHeight) else { return .outsideWindow }
        guard commits[commit.blockID] == nil else { return .alreadyHeld }
        commits[commit.blockID] = HeldCommit(commit: commit, peer: peer)
        var evicted: Commit?
        if let evictedID = quota.add(commit.blockID, from: peer) {
            evicted = commits.removeValue(forKey: evictedID)?.commit
        }
        servingPeer = peer
        let newTarget = commit.height > peerCommitHeightMax
        if newTarget { peerCommitHeightMax = commit.height }
        return .held(evicted: evicted, newTarget: newTarget)
    }

    /// Takes out the run of consecutive heights from `nextHeight` whose block (in `blocks`) and
    /// commit are both held, at most `heightsAheadKept` of them; both leave their holding maps,
    /// so a run is handed out once. A commit whose block is missing (a junk one, say) does not
    /// hide another commit of the same height that has its block.
    mutating func takeRun(from nextHeight: Height, blocks: inout [BlockID: Block]) -> [Ready] {
        var run: [Ready] = []
        var height = nextHeight
        while run.count < Int(Self.heightsAheadKept),
              let (id, held) = commits.first(where: { $0.value.commit.height == height && blocks[$0.key] != nil }),
              let block = blocks.removeValue(forKey: id) {
            commits[id] = nil
            run.append(Ready(block: block, commit: held.commit, peer: held.peer))
            height += 1
        }
        return run
    }

    /// Having caught up to `nextHeight`, which peer to ask for which heights, so blocks arrive
    /// back to back instead of one per gossip round: `nextHeight` again unless its commit is
    /// here (a request to a peer that went away is otherwise lost), and each later height of
    /// the window once.
    mutating func requests(nextHeight: Height) -> (peer: NodeID, heights: [Height])? {
        guard let peer = servingPeer else { return nil }
        let last = nextHeight + Self.heightsAheadKept - 1
        var heights: [Height] = []
        if !commits.values.contains(where: { $0.commit.height == nextHeight }) { heights.append(nextHeight) }
        var next = max(requestedThrough + 1, nextHeight + 1)
        while next <= last {
            heights.append(next)
            next += 1
        }
        requestedThrough = last
        return (peer, heights)
    }

    /// Forgets commits of heights up to `decided`.
    mutating func prune(decided: Height) {
        commits = commits.filter { $0.value.commit.height > decided }
        forgetTaken()
    }

    /// Forgets, in the per-peer quota, commits no longer held (taken by a run or pruned).
    mutating func forgetTaken() {
        let held = commits
        quota.keep { held[$0] != nil }
    }
}
