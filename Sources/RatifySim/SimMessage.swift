import RatifyCore

/// A message on the simulated wire: what a node broadcast (or sent to some peers), once, in
/// the run's message table. Deliveries name it by index, so a broadcast to 100 peers stores
/// it once.
struct SimMessage: Sendable {
    enum Content: Sendable {
        case proposal(Proposal, Block)
        case vote(Vote)
        /// A decided block and its commit, served by block sync.
        case decided(Block, Commit)
        /// "I lack the prevotes of this round of this height": the node's `peer_state` naming a
        /// proposal's POL round it cannot confirm (`Consensus.polRoundLacking`).
        case prevotesWanted(Height, Round)
    }

    let content: Content
    /// The node that sent it.
    let sender: Int
    /// Height and round, for gossip catch-up and trace filtering.
    let height: Height
    let round: Round
    /// Result of the one signature check (ed25519 runs): nil until checked.
    var signatureValid: Bool?
    /// For proposals: whether the block passed the state-free validity checks (cached).
    var blockWellFormed: Bool?
    /// Whether an honest node has relayed it to everyone (see `Simulation.relayIfNeeded`).
    var relayed = false
}
