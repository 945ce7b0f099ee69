/// What the node's verifier says of a peer's message, before the network layer relays it,
/// keeps it in gossip state, counts it as the peer's knowledge or delivers it.
public enum MessageVerdict: Sendable, Equatable {
    /// Checked in full (signatures against the right validator set, height in the window):
    /// delivered, kept for resends, counted as known, relayed.
    case verified
    /// Checked in full and taken in by the verifier's node on the spot (a transaction its
    /// mempool admitted): relayed, never delivered, so the node's consensus loop does not wake
    /// for it.
    case admitted
    /// As far as it can be checked before the node uses it (a block's body against its
    /// header, a transaction for a node that admits them itself): delivered, never kept or
    /// relayed here. The node relays what it then admits; a block is relayed only when a
    /// verified proposal names it.
    case unverified
    /// Cannot be judged now (a height outside the window) or of no use: dropped without a
    /// word against the sender, and forgotten, so a copy that arrives once it can be judged
    /// is taken.
    case ignored
    /// Bytes the sender could have checked and should never have sent (a bad signature, a
    /// body that does not match its header): dropped, and the sender is disconnected and
    /// backed off. An honest peer relays only what passed its own checks, so it never earns this.
    case invalid(String)
}
