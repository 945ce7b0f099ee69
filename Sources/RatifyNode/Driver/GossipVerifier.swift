import RatifyConsensus
import RatifyCore
import RatifyLedger
import RatifyNet
import Synchronization

/// A proof-of-stake node's `MessageVerifier`: judges each new message from a peer on the
/// network threads, before the network layer relays it, keeps it in gossip state or counts
/// it as the peer's (docs/NETWORK.md, "Verify, then relay"). It checks against a window the
/// driver moves at each height: the validator sets of heights H-1, H and H+1 (H the height
/// being decided) and the ledger's evidence rules.
///
/// Each vote and proposal signature is checked once: what passes here is kept, and the
/// driver takes it (`takeVerified`) instead of checking the signature again. A transaction is
/// admitted to the mempool here, its signature checked on the network thread that read it, and
/// never reaches the driver: the driver hears of transactions only when it waits for one
/// (`Mempool.wakeOnNextAdmission`).
public final class GossipVerifier: Sendable {
    struct Window: Sendable {
        var height: Height
        /// The sets of `height - 1` (nil at height 1), `height` and `height + 1`.
        var lastValidators: ValidatorSet?
        var validators: ValidatorSet
        var nextValidators: ValidatorSet
        var evidence: EvidenceRules
    }

    /// Verified votes and proposals waiting for the driver. Emptied when full: at worst the
    /// driver checks a signature again.
    struct Verified: Sendable {
        var votes: [Vote: VerifiedVote] = [:]
        var proposals: [Proposal: VerifiedProposal] = [:]
    }

    static let verifiedVotesMax = 4_096
    static let verifiedProposalsMax = 64

    let chainID: String
    let mempool: Mempool
    private let window: Mutex<Window>
    private let verified = Mutex(Verified())

    public init(chain: ChainState, ledger: Ledger, mempool: Mempool) {
        chainID = chain.chainID
        self.mempool = mempool
        window = Mutex(Self.window(chain: chain, ledger: ledger))
    }

    static func window(chain: ChainState, ledger: Ledger) -> Window {
        Window(height: chain.nextHeight, lastValidators: chain.lastValidators, validators: chain.validators,
               nextValidators: chain.nextValidators, evidence: EvidenceRules(ledger: ledger))
    }

    /// Moves the window to the chain's next height; `ledger` is the ledger at that tip.
    func update(chain: ChainState, ledger: Ledger) {
        let next = Self.window(chain: chain, ledger: ledger)
        window.withLock { $0 = next }
        let floor = next.height - 1
        verified.withLock { verified in
            verified.votes = verified.votes.filter { $0.key.height >= floor }
            verified.proposals = verified.proposals.filter { $0.key.height >= next.height }
        }
    }

    /// For `PeerManager(verifier:)`.
    public var messageVerifier: MessageVerifier { { [self] message in verdict(message) } }

    public func verdict(_ message: NetMessage) -> MessageVerdict {
        let window = self.window.withLock { $0 }
        switch message {
        case .vote(let vote):
            guard let validators = Self.validators(for: vote, in: window) else { return .ignored }
            guard let checked = VerifiedVote(verifying: vote, chainID: chainID, validators: validators) else { return .invalid("vote") }
            verified.withLock { verified in
                if verified.votes.count >= Self.verifiedVotesMax { verified.votes.removeAll(keepingCapacity: true) }
                verified.votes[vote] = checked
            }
            return .verified
        case .proposal(let proposal):
            // Held by the driver only for the height it decides; a later one comes again by gossip.
            guard proposal.height == window.height else { return .ignored }
            guard let checked = VerifiedProposal(verifying: proposal, chainID: chainID, validators: window.validators) else {
                return .invalid("proposal")
            }
            verified.withLock { verified in
                if verified.proposals.count >= Self.verifiedProposalsMax { verified.proposals.removeAll(keepingCapacity: true) }
                verified.proposals[proposal] = checked
            }
            return .verified
        case .evidence(let evidence):
            switch window.evidence.problem(evidence, includedAt: window.height) {
            case nil: return .verified
            case .signature: return .invalid("evidence")
            case .unknownValidator, .future, .tooOld: return .ignored
            }
        case .block(let block):
            guard Self.isHeld(block.height, window) else { return .ignored }
            do {
                try block.validateBody()
            } catch {
                return .invalid("block body: \(error)")
            }
            return .unverified
        case .commit(let commit):
            // Checked against its height's set when block sync reaches it.
            return Self.isHeld(commit.height, window) ? .unverified : .ignored
        case .transaction(let gossip):
            // Verify, then relay: only what the mempool admits goes on.
            do throws(MempoolError) {
                _ = try mempool.add(gossip.transaction)
                return .admitted
            } catch where error.code == TransactionError.badSignature.code {
                return .invalid("transaction")
            } catch {
                // Duplicates, spent nonces, a full pool: expected under gossip, nothing to relay.
                return .ignored
            }
        case .powBlock, .powBlockRequest, .powHeadersRequest, .powHeaders, .checkpointVote:
            // Proof-of-work messages: of no use to a proof-of-stake node.
            return .ignored
        case .hello, .auth, .peerState, .blockPart, .blockRequest, .keepAlive, .transactions:
            // Handled by the network layer before any verdict (a batch's transactions are judged
            // one by one).
            return .unverified
        }
    }

    /// The set to check `vote` against: H-1 for late precommits (the next proposal's last
    /// commit), H, and H+1 (the core buffers those); nil for any other height. Subtraction
    /// only: `vote.height` is the sender's choice, up to 2^64-1.
    static func validators(for vote: Vote, in window: Window) -> ValidatorSet? {
        if vote.height == window.height { return window.validators }
        if vote.height > window.height { return vote.height - window.height == 1 ? window.nextValidators : nil }
        guard window.height - vote.height == 1, vote.type == .precommit else { return nil }
        return window.lastValidators
    }

    /// Whether a block or commit at `height` may be held for block sync: H up to
    /// H + `BlockSync.heightsAheadKept`.
    static func isHeld(_ height: Height, _ window: Window) -> Bool {
        height >= window.height && height - window.height <= BlockSync.heightsAheadKept
    }

    /// The verified form of a vote checked here, once; nil when it was not (or was taken).
    func takeVerified(_ vote: Vote) -> VerifiedVote? {
        verified.withLock { $0.votes.removeValue(forKey: vote) }
    }

    func takeVerified(_ proposal: Proposal) -> VerifiedProposal? {
        verified.withLock { $0.proposals.removeValue(forKey: proposal) }
    }
}
