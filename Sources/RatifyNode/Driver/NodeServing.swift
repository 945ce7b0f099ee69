import Logging
import Prometheus
import RatifyNet
import RatifyStore
import ServiceLifecycle

/// What `ratify start` runs once a node is open: its endpoints (the RPC and metrics servers,
/// bound by `bindEndpoints`), the network, and the loop that hands each inbound message to the
/// node's engine, until a graceful shutdown (SIGINT/SIGTERM through swift-service-lifecycle) or a
/// fatal store error; then it stops the servers and the network and closes the store, which
/// reopens cleanly.
struct NodeServing {
    var config: NodeConfig
    var queries: NodeQueries
    var metricsRegistry: PrometheusCollectorRegistry
    var bindEndpoints: NodeEndpointBinder
    var peers: PeerManager
    var store: NodeStore
    var logger: Logger
    /// Background block pruning; nil keeps every block (`retain_blocks = 0`, or a PoW chain).
    var pruner: BlockPruner? = nil

    /// Serves `engine`: it starts once the network is up, gets each inbound message, and shuts
    /// down after the loop ends, before the servers close; a reason it stopped for is thrown.
    func run(engine: any ChainEngine) async throws {
        let endpoints = try await bindEndpoints(config, queries, metricsRegistry, logger)
        logger.info("serving", metadata: ["rpc": "\(config.rpc.listenAddress)",
                                          "metrics": "\(config.instrumentation.prometheusListenAddress)"])
        try await peers.start()
        try await engine.start()
        let inbound = peers.inbound
        let peers = self.peers, logger = self.logger, pruner = self.pruner
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for endpoint in endpoints { group.addTask { await endpoint.run() } }
                if let pruner { group.addTask { await pruner.run() } }
                group.addTask {
                    for await message in inbound {
                        await engine.receive(message)
                        if await engine.stopReason != nil { return }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            logger.info("shutting down")
            queries.events?.close(because: "the node is shutting down")
            // Closing the network ends the inbound stream, which ends the loop above.
            Task { await peers.shutdown() }
        }
        await engine.shutdown()
        for endpoint in endpoints { await endpoint.close() }
        await peers.shutdown()
        store.close()
        if let reason = await engine.stopReason { throw NodeStartError(reason) }
        logger.info("stopped cleanly")
    }
}
