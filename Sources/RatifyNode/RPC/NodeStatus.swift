import RatifyCore

/// What `GET /status` reports (CometBFT's node_info, sync_info and validator_info).
public struct NodeStatus: Sendable, Equatable {
    public var nodeID: Address
    public var moniker: String
    public var chainID: String
    /// 0 before the first block.
    public var latestHeight: Height
    public var latestBlockHash: Hash?
    public var latestAppHash: Hash
    public var latestBlockTimeMillis: UInt64
    public var catchingUp: Bool
    /// This node's validator key, if it has one; `votingPower` is 0 when not in the current set.
    public var validatorPublicKey: PublicKey?
    public var votingPower: Int64

    public init(nodeID: Address, moniker: String, chainID: String, latestHeight: Height, latestBlockHash: Hash?,
                latestAppHash: Hash, latestBlockTimeMillis: UInt64, catchingUp: Bool, validatorPublicKey: PublicKey?,
                votingPower: Int64) {
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
    }
}
