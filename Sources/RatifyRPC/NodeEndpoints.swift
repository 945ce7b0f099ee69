import Logging
import Prometheus
import RatifyNode

extension HTTPServer: NodeEndpoint {}

/// The endpoints `ratify start` gives a node: the RPC on `[rpc] laddr` and the metrics on
/// `[instrumentation] prometheus_listen_addr`.
public enum NodeEndpoints {
    public static let standard: NodeEndpointBinder = { config, queries, metricsRegistry, logger in
        let rpc = try await RPCServer.bind(config: config.rpc, queries: queries, logger: logger)
        do {
            let metrics = try await MetricsServer.bind(config: config.instrumentation, registry: metricsRegistry, logger: logger)
            return [rpc, metrics]
        } catch {
            await rpc.close()
            throw error
        }
    }
}
