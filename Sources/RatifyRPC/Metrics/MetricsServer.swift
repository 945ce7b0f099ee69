import RatifyNode
import Logging
import Prometheus

/// Serves `GET /metrics` as Prometheus text on the instrumentation address, with the process
/// metrics (`ProcessMetrics`) read at each scrape.
public enum MetricsServer {
    public static func bind(config: InstrumentationConfig, registry: PrometheusCollectorRegistry, logger: Logger,
                            limits: HTTPServerLimits = HTTPServerLimits(bodyBytesMax: 1024, connectionsMax: 64),
                            portOverride: Int? = nil) async throws -> HTTPServer {
        let process = ProcessMetrics.make(registry: registry)
        return try await HTTPServer.bind(host: config.prometheusListenAddress.host,
                                         port: portOverride ?? Int(config.prometheusListenAddress.port),
                                         limits: limits, logger: logger) { request in
            guard request.path == "/metrics" else { return .error(.notFound, "no endpoint \(request.path); metrics are at /metrics") }
            guard request.method == .GET else {
                return HTTPResponse.error(.methodNotAllowed, "/metrics takes GET, not \(request.method.rawValue)")
                    .adding(header: ("Allow", "GET"))
            }
            process?.update()
            return HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: registry.emitToBuffer())
        }
    }
}
