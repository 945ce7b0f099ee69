import RatifyCore
import RatifyLedger
import RatifyNet
import RatifyNode
import RatifyTestSupport
@testable import RatifyRPC

/// An in-memory node for RPC tests: a real mempool and ledger, blocks kept in a list, and
/// `finalizeBlock` standing in for the consensus driver (commit a block, index its
/// transactions, tell the waiters and the event subscribers).
actor TestNode {
    private var chain: ChainFixture
    let mempool: Mempool
    let waiters = TransactionWaiters(waitersMax: 64)
    let events: NodeEvents
    private var index: [Hash: TransactionLocation] = [:]
    private var validatorSets: [Height: ValidatorSet] = [:]
    /// What `/health` judges, set by the test: a fresh block, no peers and none needed.
    private var health = (blockAgeMillis: UInt64(0), peerCount: 0, peersRequired: false, catchingUp: false)

    /// A node whose ledger asks at least `feeMin` of every transaction.
    init(feeMin: UInt64 = ChainFixture.parameters.feeMin,
         events: NodeEvents = NodeEvents(subscribersMax: 8, bufferedEventsMax: 64)) throws {
        self.events = events
        chain = try ChainFixture()
        var parameters = chain.ledger.parameters
        parameters.feeMin = feeMin
        chain.ledger = Ledger(parameters: parameters, state: chain.ledger.state)
        mempool = Mempool(limits: MempoolLimits(countMax: 1_000, bytesMax: 1 << 22, perSenderCountMax: 100), ledger: chain.ledger)
    }

    /// A signed transfer with the next nonce the test node has handed out for `sender`.
    func transfer(_ sender: KeyPair, amount: UInt64 = 10) -> Transaction {
        chain.transfer(sender, amount: amount)
    }

    /// Commits a block of whatever the mempool holds and reports its transactions final.
    @discardableResult
    func finalizeBlock() async throws -> [TransactionLocation] {
        var working = chain
        let deciding = working.state.validators
        let committed = try await working.commitBlock(mempool: mempool)
        chain = working
        validatorSets[committed.block.height] = deciding
        let locations = TransactionLocation.all(in: committed.block, result: committed.result)
        for location in locations { index[location.hash] = location }
        waiters.finalized(locations)
        let block = committed.block
        events.publish(NodeEvent.finalized(FinalizedBlockEvent(
            height: block.height, hash: block.id.hash, timeMillis: block.header.timeMillis,
            transactionCount: block.transactions.count, round: 0, latencyMillis: 1.5), transactions: locations))
        return locations
    }

    var latestHeight: Height { chain.state.lastBlockHeight }

    func setHealth(blockAgeMillis: UInt64, peerCount: Int, peersRequired: Bool, catchingUp: Bool = false) {
        health = (blockAgeMillis, peerCount, peersRequired, catchingUp)
    }

    func status() -> NodeStatus {
        let key = ChainFixture.validatorKeys[0].publicKey
        var status = NodeStatus(nodeID: ChainFixture.validatorKeys[0].publicKey.address, moniker: "test-node",
                                chainID: ChainFixture.chainID, latestHeight: chain.state.lastBlockHeight,
                                latestBlockHash: chain.blocks.last?.id.hash, latestAppHash: chain.state.appHash,
                                latestBlockTimeMillis: chain.state.lastBlockTimeMillis, catchingUp: health.catchingUp,
                                validatorPublicKey: key, votingPower: chain.state.validators.validator(at: key.address)?.votingPower ?? 0,
                                build: TestNode.build)
        status.feeMin = mempool.feeMin
        status.latestBlockAgeMillis = health.blockAgeMillis
        status.peerCount = health.peerCount
        status.peersRequired = health.peersRequired
        return status
    }

    func block(_ height: Height) -> Block? {
        height >= 1 && height <= UInt64(chain.blocks.count) ? chain.blocks[Int(height - 1)] : nil
    }

    func commit(_ height: Height) -> Commit? {
        height >= 1 && height <= UInt64(chain.commits.count) ? chain.commits[Int(height - 1)] : nil
    }

    func validators(_ height: Height) -> ValidatorSet? {
        height == chain.state.nextHeight ? chain.state.validators : validatorSets[height]
    }

    func account(_ address: Address) -> AccountInfo { AccountInfo(address: address, state: chain.ledger.state) }

    func location(_ hash: Hash) -> TransactionLocation? { index[hash] }

    func stakingValidators() -> [StakingValidatorInfo] { StakingValidatorInfo.all(in: chain.ledger) }

    nonisolated var queries: NodeQueries {
        NodeQueries(status: { await self.status() }, block: { await self.block($0) }, commit: { await self.commit($0) },
                    validators: { await self.validators($0) }, account: { await self.account($0) },
                    stakingValidators: { await self.stakingValidators() },
                    transaction: { await self.location($0) }, submit: NodeQueries.submitting(to: mempool),
                    checkTransaction: { [mempool] in await mempool.check($0) }, waiters: waiters,
                    events: events, netInfo: { Self.netInfo })
    }

    /// What `/net_info` answers: one inbound and one persistent outbound peer, fixed.
    static let build = BuildInfo(version: "0.1.0", commit: "0123456789abcdef0123456789abcdef01234567")
        static let netInfo = NetInfo(listeners: ["tcp://127.0.0.1:26656", "udp://127.0.0.1:26656"], peers: [
        PeerInfo(nodeID: ChainFixture.alice.publicKey.address, outbound: false, remoteAddress: "127.0.0.1:50312",
                 connectedForMillis: 1_500, bytesSent: 2_048, bytesReceived: 4_096, queuedBytes: 0, persistent: false),
        PeerInfo(nodeID: ChainFixture.bob.publicKey.address, outbound: true, remoteAddress: "[::1]:26656",
                 connectedForMillis: 90_000, bytesSent: 123_456, bytesReceived: 654_321, queuedBytes: 96, persistent: true),
    ])
}
