/// The documented maxima of the canonical codec. Every length and count a decoder reads is
/// checked against one of these before anything is allocated, so no input can make a node
/// allocate more than a bounded amount. docs/CODEC.md lists them.
public enum CodecLimits {
    /// Chain ids are short printable names (CometBFT caps them at 50 bytes too).
    public static let chainIDBytesMax = 50
    /// A validator's name (moniker).
    public static let nameBytesMax = 64
    /// One encoded transaction, all fields included.
    public static let transactionBytesMax = 64 * 1024
    /// Free-form bytes inside a transaction payload (memo).
    public static let memoBytesMax = 256
    /// Transactions in one block.
    public static let transactionsPerBlockMax = 20_000
    /// Evidence items in one block.
    public static let evidencePerBlockMax = 100
    /// Validators in one set, and so signatures in one commit.
    public static let validatorsMax = 10_000
    /// One encoded block, all fields included.
    public static let blockBytesMax = 16 * 1024 * 1024
}
