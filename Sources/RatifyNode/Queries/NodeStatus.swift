import RatifyCore

/// What `GET /status` reports (CometBFT's node_info, sync_info and validator_info).
public struct NodeStatus: Sendable, Equatable {
    public var nodeID: Address
    public var moniker: String
    public var chainID: String
    /// 0 before the first block.
    public var latestHeight: Height
    /// The lowest height whose block this node keeps (CometBFT's `earliest_block_height`): 1,
    /// or higher once `[storage] retain_blocks` pruned older ones; 0 before the first block.
    public var earliestHeight: Height = 1
    public var latestBlockHash: Hash?
    public var latestAppHash: Hash
    public var latestBlockTimeMillis: UInt64
    public var catchingUp: Bool
    /// This node's validator key, if it has one; `votingPower` is 0 when not in the current set.
    public var validatorPublicKey: PublicKey?
    public var votingPower: Int64
    /// Proof-of-work chains: the tip's work and the k-confirmation final height.
    public var pow: PoWStatus?
    /// The chain's minimum transaction fee (genesis `staking.min_fee`), which `ratify tx` pays
    /// by default; nil when the node does not say.
    public var feeMin: UInt64?
    /// How long ago the latest block was made (the node's clock minus the block's time; the
    /// genesis time before the first block). `/health` fails past `[rpc] health_max_block_age_ms`.
    public var latestBlockAgeMillis: UInt64 = 0
    /// Peers connected now.
    public var peerCount = 0
    /// Whether the node cannot make progress alone (its genesis has more than one validator):
    /// `/health` then fails with no peers.
    public var peersRequired = false
    /// The running build's version and git commit (`node_info.version`, `node_info.commit`).
    public var build: BuildInfo

    public init(nodeID: Address, moniker: String, chainID: String, latestHeight: Height, latestBlockHash: Hash?,
                latestAppHash: Hash, latestBlockTimeMillis: UInt64, catchingUp: Bool, validatorPublicKey: PublicKey?,
                votingPower: Int64, build: BuildInfo) {
        self.nodeID = nodeID
        self.moniker = moniker
        self.chainID = chainID
        self.latestHeight = latestHeight
        self.latestBlockHash = latestBlockHash
        self.latestAppHash = latestAppHash
        self.latestBlockTimeMillis = latestBlockTimeMillis
        self.catchingUp = catchingUp
        self.validatorPublicKey = validatorPublicKey
        self.votingPower = votingPower
        self.build = build
    }
}

/// The proof-of-work part of `GET /status` (docs/RPC.md): the best chain's tip and what is final.
public struct PoWStatus: Sendable, Equatable {
    /// The tip's hash in display order (as `latest_block_hash`).
    public var tipHash: String
    /// Cumulative work of the best chain, 64 hex digits.
    public var chainWorkHex: String
    public var bitsHex: String
    /// The highest block with `confirmations` blocks on top (0: none yet).
    public var finalHeight: UInt64
    public var confirmations: UInt64
    public var miningThreads: Int
    /// Hybrid chains: the latest justified and finalized checkpoints.
    public var latestJustified: PoWDriver.CheckpointInfo?
    public var latestFinalized: PoWDriver.CheckpointInfo?

    public init(tipHash: String, chainWorkHex: String, bitsHex: String, finalHeight: UInt64, confirmations: UInt64, miningThreads: Int) {
        self.tipHash = tipHash
        self.chainWorkHex = chainWorkHex
        self.bitsHex = bitsHex
        self.finalHeight = finalHeight
        self.confirmations = confirmations
        self.miningThreads = miningThreads
    }
}
