import Foundation
import RatifyCore
import RatifyNode
import RatifyOps
import Synchronization

/// A localnet of the benchmark's own: a fresh testnet in a temporary directory, with timeouts
/// set for latency and the load's sender accounts funded at genesis, run as one `ratify start`
/// process per validator (durable storage: each node's LMDB commits with fsync, as in
/// production). Removed when stopped.
final class BenchLocalnet: Sendable {
    /// The consensus timing the benchmark's chain uses (genesis `consensus` section).
    struct Timing: Sendable {
        /// No wait after a decision: the next height starts at once when transactions wait
        /// (the driver still holds it back on an empty mempool until the heartbeat).
        var timeoutCommitMillis: UInt64 = 0
        var timeoutProposeMillis: UInt64 = 1_000
        var timeoutVoteMillis: UInt64 = 500
        var heartbeatMillis: UInt64 = 1_000
    }

    /// The kind of chain: `pos` (the timing above applies) or `pow` (mined; `pow` is the
    /// genesis `pow` section, difficulty and confirmations).
    struct Chain: Sendable {
        var mode = ChainMode.pos
        var pow = TestnetGenerator.localnetPoW
        /// How long a node holds `POST /tx?wait=final` before 504 (PoW finality takes k
        /// blocks); nil keeps the node default, 10 s.
        var waitFinalMillis: UInt64?
        /// Hybrid: blocks per checkpoint epoch.
        var hybridEpochLength = TestnetGenerator.localnetHybridEpochLength
    }

    static let chainID = "ratify-bench"
    static let senderBalance: UInt64 = 1_000_000_000_000

    let directory: String
    let validators: Int
    let timing: Timing
    let endpoints: [LoadGenerator.Endpoint]
    /// Each node's LMDB data file (`<home>/data/data.mdb`).
    let dataFiles: [String]
    /// Each node's Prometheus endpoint (`/metrics`).
    let metricsEndpoints: [LoadGenerator.Endpoint]
    let senderKeys: [KeyPair]
    /// Per-node controls (`ratify chaos` kills, pauses and relaunches nodes through it).
    let localnet: Localnet
    private let task: Mutex<Task<Localnet.Summary, Error>?> = Mutex(nil)
    private let log = LocalnetLog()

    /// Writes the testnet; `start` runs it.
    /// `basePort`: the first of the nodes' ports (each node takes 10 from there); nil picks a
    /// free block (`LocalPorts`).
    /// `hosts`: one address per node (each listens and is dialled there, e.g. in its own
    /// network namespace), with `launchPrefix` to start it there; nil: all on 127.0.0.1.
    /// `downtimeWindowMillis`: the chain's downtime window in block time; nil keeps the genesis
    /// default (10 minutes).
    /// `retainBlocks`: each node's `[storage] retain_blocks`; nil keeps the config default.
    /// `nodeLogs`: keep each node's output in `<home>/node.log`.
    /// `chain`: the chain mode and, for PoW, its genesis `pow` section.
    init(validators: Int, senders: Int, binary: String, timing: Timing = Timing(), basePort: UInt16? = nil,
         hosts: [String]? = nil, launchPrefix: (@Sendable (Int) -> [String])? = nil, downtimeWindowMillis: UInt64? = nil,
         retainBlocks: UInt64? = nil, nodeLogs: Bool = false, chain: Chain = Chain(), remoteSigners: Bool = false) throws {
        guard let time = GenesisTime(unixSeconds: Int64(Date().timeIntervalSince1970)) else {
            throw BenchError("the system clock is outside the genesis time range")
        }
        var options = TestnetGenerator.Options(validatorCount: validators, genesisTime: time)
        options.chainID = Self.chainID
        if let basePort {
            options.basePort = basePort
        } else {
            // In namespaces each node has its own address, so loopback's free ports say nothing.
            guard let free = LocalPorts.freeBase(nodes: hosts == nil ? validators : 1) else {
                throw BenchError("no block of \(validators * 10) free ports below 32768 on 127.0.0.1")
            }
            options.basePort = free
        }
        options.heartbeatMillis = timing.heartbeatMillis
        options.hosts = hosts
        options.mode = chain.mode
        options.pow = chain.pow
        options.hybridEpochLength = chain.hybridEpochLength
        var plan: TestnetGenerator.Plan
        do { plan = try TestnetGenerator.plan(options) } catch { throw BenchError("\(error)") }
        plan.genesis.consensus.timeoutCommitMillis = timing.timeoutCommitMillis
        plan.genesis.consensus.timeoutProposeMillis = timing.timeoutProposeMillis
        plan.genesis.consensus.timeoutPrevoteMillis = timing.timeoutVoteMillis
        plan.genesis.consensus.timeoutPrecommitMillis = timing.timeoutVoteMillis
        if let downtimeWindowMillis { plan.genesis.staking.downtimeWindowMillis = downtimeWindowMillis }
        let keys = (0..<senders).map(Self.senderKey)
        for key in keys {
            plan.genesis.accounts.append(GenesisAccount(address: key.publicKey.address, balance: Self.senderBalance))
        }
        if timing.timeoutCommitMillis > 0 {
            // A commit wait asked for is waited out, not skipped once every precommit is in.
            for index in plan.nodes.indices { plan.nodes[index].config.consensus.skipTimeoutCommit = false }
        }
        if let retainBlocks {
            for index in plan.nodes.indices { plan.nodes[index].config.storage.retainBlocks = retainBlocks }
        }
        if let waitFinalMillis = chain.waitFinalMillis {
            for index in plan.nodes.indices { plan.nodes[index].config.rpc.timeoutBroadcastTxCommitMillis = waitFinalMillis }
        }
        do { try plan.genesis.validate(file: "benchmark genesis") } catch { throw BenchError("\(error)") }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ratify-bench-\(UUID().uuidString)").path
        do { try TestnetGenerator.write(plan, to: directory) } catch { throw BenchError("\(error)") }
        self.validators = validators
        self.timing = timing
        self.senderKeys = keys
        let homes = directory
        dataFiles = plan.nodes.map { homes + "/" + $0.name + "/data/data.mdb" }
        endpoints = plan.nodes.map { LoadGenerator.Endpoint(host: $0.config.rpc.listenAddress.host, port: Int($0.config.rpc.listenAddress.port)) }
        metricsEndpoints = plan.nodes.map {
            let address = $0.config.instrumentation.prometheusListenAddress
            return LoadGenerator.Endpoint(host: address.host, port: Int(address.port))
        }
        var localnetOptions = Localnet.Options(validators: validators, genesisFile: directory + "/genesis.json",
                                               homesDirectory: directory, fresh: false, durationSeconds: nil, binary: binary)
        // Node error lines (echoErrors, the default) come to `print` below as "nodeN: ...",
        // which records them instead of printing.
        localnetOptions.launchPrefix = launchPrefix
        localnetOptions.remoteSigners = remoteSigners
        // Off for benchmarks: a log write per height is I/O the measurement would carry.
        localnetOptions.logFileName = nodeLogs ? "node.log" : nil
        let log = self.log
        localnetOptions.onFinalized = { line, node in log.record(line, node: node) }
        localnetOptions.onTip = { line, node in log.recordTip(line, from: node) }
        localnetOptions.onCheckpoint = { line, _ in log.recordCheckpoint(line) }
        localnet = Localnet(options: localnetOptions, print: { line in
            if Self.isNodeErrorLine(line) { log.recordError(line) }
        })
    }

    /// `nodeN: LINE`, the localnet's echo of a node's error line (not its `nodeN reorganized` notes).
    static func isNodeErrorLine(_ line: String) -> Bool {
        guard line.hasPrefix("node"), let colon = line.firstIndex(of: ":") else { return false }
        let number = line[line.index(line.startIndex, offsetBy: 4)..<colon]
        return !number.isEmpty && number.allSatisfy(\.isNumber)
    }

    /// One sender per funded account, spread over the nodes in turn, each paying the next.
    func makeSenders() -> [BenchSender] {
        senderKeys.enumerated().map { index, key in
            BenchSender(key: key, node: index % validators, chainID: Self.chainID, nonce: 0, fee: 1,
                        recipient: senderKeys[(index + 1) % senderKeys.count].publicKey.address)
        }
    }

    /// Deterministic keys, so a run's accounts are the same every time (development only).
    static func senderKey(_ index: Int) -> KeyPair {
        var writer = ByteWriter()
        writer.writeString("ratify/bench-sender/v1")
        writer.write(UInt32(truncatingIfNeeded: index))
        return KeyPair(seed: Hash.sha256(writer.bytes).bytes) ?? KeyPair.generate()
    }

    /// Starts the validators and waits until every one has finalized a height (a PoW node:
    /// has a tip at height 1 or above).
    /// `supervised`: a validator that exits stops the whole localnet (a benchmark's nodes must
    /// not die); `ratify chaos` turns it off because it kills nodes on purpose.
    func start(timeoutSeconds: Double = 60, supervised: Bool = true) async throws {
        let localnet = self.localnet
        let log = self.log
        if supervised {
            task.withLock {
                $0 = Task {
                    do { return try await localnet.run() } catch {
                        log.recordError("localnet: \(error)")
                        throw error
                    }
                }
            }
        } else {
            do { try localnet.launchAll() } catch { throw BenchError("\(error)") }
        }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if log.nodesFinalized(height: 1) >= validators || log.nodesAtTip(height: 1) >= validators { return }
            if let failure = log.errors.first(where: { $0.hasPrefix("localnet: ") }) {
                await stop()
                let nodeErrors = log.errors.filter { !$0.hasPrefix("localnet: ") }.prefix(3)
                throw BenchError("the benchmark localnet stopped: \(failure.dropFirst(10)); node errors: \(nodeErrors.joined(separator: " | "))")
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        await stop()
        throw BenchError("the benchmark localnet did not finalize (or mine) its first height within \(Int(timeoutSeconds)) s; node errors: \(log.errors.joined(separator: " | "))")
    }

    var processIdentifiers: [Int32] { localnet.processIdentifiers }
    /// Each node's `data.mdb` size in bytes now; nil for one that cannot be read.
    func dataFileBytes() -> [UInt64?] {
        dataFiles.map { path in
            (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value
        }
    }
    var latestHeights: [UInt64] { log.latestHeights(nodes: validators) }
    /// Heights at which the nodes' logs disagreed on the block or app hash so far.
    var disagreeingHeights: [UInt64] { log.disagreeingHeights }
    var nodeErrors: [String] { log.errors }

    /// Per height: the round and the median node's header-time-to-decision latency.
    func loggedBlocks() -> [UInt64: LocalnetLog.LoggedBlock] { log.blocks() }
    func loggedCheckpointSteps() -> [CheckpointBreakdown.Key: [Double]] { log.loggedCheckpointSteps }
    func blockIntervalMillis(sinceSeconds: Double) -> Double? { log.blockIntervalMillis(sinceSeconds: sinceSeconds) }

    /// Stops the validators and deletes the directory (unless `keepDirectory`: the chaos run
    /// reads the stopped stores afterwards).
    func stop(keepDirectory: Bool = false) async {
        if let running = task.withLock({ $0 }) {
            running.cancel()
            _ = try? await running.value
        }
        localnet.stopAll()
        if !keepDirectory { try? FileManager.default.removeItem(atPath: directory) }
    }
}
