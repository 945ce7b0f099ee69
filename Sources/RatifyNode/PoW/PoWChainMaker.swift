import Foundation
import Logging
import RatifyCore
import RatifyLedger
import RatifyPoW
import RatifyStore

/// Mines empty blocks onto the `pow` chain of a stopped node's home and stores them as the node
/// does, for block-sync benchmarks (`ratify pow make-chain`, `Tools/bench-pow-sync.sh`).
///
/// A node's own miner stamps each block with its clock, and the median-time-past rule (a
/// header's time must exceed the median of the last eleven, in whole seconds) then lets a chain
/// run only about six blocks a second ahead of the clock: ten thousand blocks take half an
/// hour. Here block `h` is stamped `genesis_time + h × target spacing` (at least one second
/// apart), so a genesis far enough in the past holds any number of blocks, each already behind
/// every clock, with the difficulty the schedule gives for blocks on time.
public enum PoWChainMaker {
    public struct Made: Sendable {
        public var height: UInt64
        public var tipHash: PoWHash
        public var seconds: Double
    }

    /// Adds `count` blocks to the home's best chain, paying the home's validator key, storing
    /// `blocksPerCommit` blocks per store transaction. `progress` is told each stored height.
    public static func extend(homePath: String, count: Int, blocksPerCommit: Int = 500,
                              progress: (UInt64) -> Void = { _ in }) throws -> Made {
        let started = Date()
        let home = NodeHome(homePath)
        let genesis = try home.loadGenesis()
        guard genesis.mode == .pow else {
            throw NodeStartError("\(home.genesisFile): mode \(genesis.mode.rawValue); make-chain extends a \"pow\" chain only (a hybrid chain's checkpoints need its validators' votes)")
        }
        let miner = try home.loadValidatorKey().publicKey.address
        let spacingSeconds = UInt32(max(1, genesis.pow.targetBlockMillis / 1_000))
        let store = try NodeStore.open(dataDirectory: home.dataDirectory, genesisHash: genesis.genesisHash)
        defer { store.close() }
        var (tree, ledger, tip) = try ProofOfWorkEngine.recover(genesis: genesis, store: store,
                                                                logger: Logger(label: "ratify.make-chain"))
        let lastTime = UInt64(tip.timeSeconds) + UInt64(count) * UInt64(spacingSeconds)
        let nowSeconds = UInt64(Date().timeIntervalSince1970)
        guard lastTime <= nowSeconds else {
            throw NodeStartError("\(count) blocks \(spacingSeconds) s apart after the tip's time end \(lastTime - nowSeconds) s in the future; move genesis_time at least that far back (a node refuses headers ahead of its clock)")
        }
        var pending: [PoWChainStore.Connected] = []
        for _ in 0..<count {
            let template = PoWBlockTemplate.make(parent: tip, tree: tree, ledger: ledger, miner: miner,
                                                 nowSeconds: tip.timeSeconds + spacingSeconds, bytesMax: 4_096, transactionsMax: 0,
                                                 reap: { _, _ in [] }).block
            guard let target = template.header.bits.target else {
                throw NodeStartError("the difficulty schedule gave unusable bits \(template.header.bits)")
            }
            let outcome = ParallelMiner(threadCount: 1).search(header: template.header, target: target, nonces: 0...UInt32.max,
                                                               cancel: CancellationFlag())
            guard let solution = outcome.solution else {
                throw NodeStartError("no nonce meets bits \(template.header.bits) at height \(tip.height + 1); make-chain needs an easy genesis target such as 207fffff")
            }
            let block = PoWBlock(header: solution.header, coinbase: template.coinbase, transactions: template.transactions)
            let node = try tree.insert(block.header, nowSeconds: UInt32(clamping: nowSeconds))
            let before = ledger.state
            let result = try ledger.executeMined(height: node.height, miner: miner, transactions: block.transactions).get()
            pending.append(ConnectedBlock(block: block, height: node.height, hash: node.hash, result: result,
                                          writes: ledger.takeWrites(), before: before).record)
            try store.pow.putBlock(hash: node.hash.asHash, bytes: block.canonicalBytes)
            tip = node
            if pending.count >= blocksPerCommit {
                try store.pow.moveTip(disconnect: [], connect: pending,
                                      newTip: .init(height: tip.height, hash: tip.hash.asHash, appHash: ledger.state.appHash))
                pending.removeAll()
                progress(tip.height)
            }
        }
        if !pending.isEmpty {
            try store.pow.moveTip(disconnect: [], connect: pending,
                                  newTip: .init(height: tip.height, hash: tip.hash.asHash, appHash: ledger.state.appHash))
            progress(tip.height)
        }
        return Made(height: tip.height, tipHash: tip.hash, seconds: Date().timeIntervalSince(started))
    }
}
