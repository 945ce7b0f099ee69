/// What a byzantine validator does. Byzantine validators run the same honest core; only their
/// shell misbehaves, which is how real attacks on Tendermint look (a patched node).
public enum ByzantineBehavior: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// As proposer, signs two different blocks for the round and sends each to half the peers.
    case equivocatingProposer
    /// Signs every vote twice, for different values, and sends each to half the peers.
    case doubleVoter
    /// Never sends its votes to anyone.
    case withholder
    /// Sends each of its messages to a random subset of the peers only.
    case partialSender
    /// Twins: a second node runs with the same key. Both copies are honest code, so together
    /// they propose and vote twice; with partitions, each copy can side with a different group.
    case twin

    public var description: String {
        switch self {
        case .equivocatingProposer: "equivocating-proposer"
        case .doubleVoter: "double-voter"
        case .withholder: "withholder"
        case .partialSender: "partial-sender"
        case .twin: "twin"
        }
    }
}
