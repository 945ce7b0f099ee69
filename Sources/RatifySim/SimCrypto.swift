/// Whether a run signs and verifies with real Ed25519.
public enum SimCrypto: Hashable, Sendable, CustomStringConvertible {
    /// Every proposal and vote is signed with the validator's key and verified (once per
    /// message, not once per recipient: the simulated wire cannot corrupt bytes), through
    /// `VerifiedVote(verifying:)` and `VerifiedProposal(verifying:)` like the node.
    case ed25519
    /// Signatures are left zero and messages enter the core through the
    /// `@_spi(Simulation)` unchecked initializers. Consensus behaviour is identical (the core
    /// never looks at signature bytes); the CI sweep uses this to fit its time budget.
    case modeled

    public var description: String { self == .ed25519 ? "ed25519" : "modeled" }
}
