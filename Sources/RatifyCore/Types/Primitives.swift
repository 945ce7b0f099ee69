/// A block height. Height 1 is the first block after genesis.
public typealias Height = UInt64
/// A consensus round within a height, starting at 0.
public typealias Round = UInt32

/// Domain tags prefixed to every signed message, so that a signature made for one purpose
/// can never be replayed as another. Nothing else is ever signed with a validator key.
public enum SignDomain {
    public static let vote = "ratify/vote/v1"
    public static let proposal = "ratify/proposal/v1"
    public static let transaction = "ratify/tx/v1"
    /// Casper FFG checkpoint votes of hybrid chains (docs/POW.md, "Hybrid chains: checkpoint finality").
    public static let ffgVote = "ratify/ffg-vote/v1"
}
