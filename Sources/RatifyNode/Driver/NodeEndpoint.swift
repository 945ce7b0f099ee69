import Logging
import Prometheus

/// A server that runs beside a node for as long as it serves: the RPC and the metrics
/// endpoint. They live in RatifyRPC, above this module, so the node never names them: whoever
/// starts a node (`ratify start`) hands it a `NodeEndpointBinder`, which the node calls once its
/// queries exist.
public protocol NodeEndpoint: Sendable {
    /// Serves until `close()` is called.
    func run() async
    func close() async
}

/// Binds a node's endpoints from its config, the queries they answer from and the metrics
/// registry they serve.
public typealias NodeEndpointBinder =
    @Sendable (NodeConfig, NodeQueries, PrometheusCollectorRegistry, Logger) async throws -> [any NodeEndpoint]
