import RatifyCore
import RatifyStore

extension ProofOfStakeEngine {
    /// Refuses to start a validator whose signer state is older than what its own WAL shows it
    /// signed at the height being decided, or at the one after it (whose WAL a restart replays
    /// when a system crash undid the last block's store commit): such a store (a copied or
    /// restored data directory, or a signer state that did not come along in a move) would let
    /// the guard sign a second, different message at a position this validator already signed.
    static func refuseSignerStateBehindWAL(store: NodeStore, height: Height, validator: Address) throws {
        var signedMax: SignPosition?
        for bytes in try store.wal.records(height: height) + store.wal.records(height: height + 1) {
            guard let record = try? WALRecord(canonicalBytes: bytes) else { continue }
            let position: SignPosition
            switch record {
            case .vote(let vote) where vote.validatorAddress == validator:
                position = SignPosition(height: vote.height, round: vote.round, step: SignStep(vote.type))
            case .proposal(let proposal, _) where proposal.proposerAddress == validator:
                position = SignPosition(height: proposal.height, round: proposal.round, step: .proposal)
            default:
                continue
            }
            if signedMax.map({ $0 < position }) ?? true { signedMax = position }
        }
        guard let signedMax else { return }
        let state = try store.signer.lastSigned()
        if let state, !(state.position < signedMax) { return }
        throw NodeStartError("\(store.environment.path): the signer state (\(state.map { "last signed \($0.position)" } ?? "never signed")) is older than what this validator's WAL shows it signed (\(signedMax)); import the signer state exported from its previous home (ratify signer import --home HOME FILE) before starting")
    }
}
