import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import RatifyNode
import RatifyRPC
import ServiceLifecycle

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Run a validator (or full) node from its home directory.",
        discussion: """
            Loads HOME/config/config.toml, genesis.json and the keys, opens HOME/data, joins the
            persistent peers and takes part in consensus. Logs one line per finalized height.
            With a `pow` genesis it runs a proof-of-work node instead: it follows the most-work
            chain, mines on [pow] mining_threads threads and logs one line per new tip.
            Stops cleanly on SIGINT or SIGTERM.
            """)

    @Option(name: .long, help: "The node's home directory (made by `ratify init` or `ratify testnet`).")
    var home: String

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning (or warn), error, critical (overrides config.toml).")
    var logLevel: String?

    func run() async throws {
        let nodeHome = NodeHome(home)
        let config = try? nodeHome.loadConfig()
        let configured = config?.logLevel.rawValue ?? "info"
        guard let level = LogLevel(named: logLevel ?? configured).flatMap({ Logger.Level(rawValue: $0.rawValue) }) else {
            throw ValidationError("--log-level: unknown level '\(logLevel ?? configured)'")
        }
        let format = config?.logFormat ?? .text
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = switch format {
            case .text: TextLogHandler(label: label)
            case .json: JSONLogHandler(label: label)
            }
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "ratify")
        // One registry for the process: the node's own metrics and, through swift-metrics'
        // global system, the network's (ratify_p2p_*), all made by one factory that gives each
        // its help text.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(NodeMetrics.factory(registry: registry))
        // The genesis names the engine: `pos` a validator, `pow` or `hybrid` a proof-of-work
        // node (docs/POW.md; hybrid adds the checkpoint voter).
        let node: Node
        do {
            // liblmdb faults or loops on a damaged page: walk data/ in a child first (unless it
            // is untouched since a clean close), so a damaged store is refused with one line
            // instead of crashing the node later.
            let walkStarted = ContinuousClock.now
            let walked = try nodeHome.verifyStoreInChild(
                executable: OwnExecutable.path, arguments: StoreWalkCommand.arguments(dataDirectory: nodeHome.dataDirectory),
                unlessClosedCleanly: true)
            if let walked {
                logger.info("store walked", metadata: ["result": "\(walked)", "elapsed": "\(ContinuousClock.now - walkStarted)"])
            }
            if let config, config.stateSync.enable {
                _ = try await StateSyncRunner(home: nodeHome, config: config.stateSync, genesis: try nodeHome.loadGenesis(),
                                              logger: logger).runIfNeeded()
            }
            node = try Node.open(home: nodeHome, logger: logger, metricsRegistry: registry, endpoints: NodeEndpoints.standard)
        } catch {
            throw StandardError.fail(error)
        }
        let group = ServiceGroup(configuration: .init(services: [node], gracefulShutdownSignals: [.sigint, .sigterm], logger: logger))
        do {
            try await group.run()
        } catch {
            throw StandardError.fail(error)
        }
    }
}
