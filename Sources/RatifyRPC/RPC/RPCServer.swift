import RatifyNode
import Logging

/// The RPC on its configured address: an `HTTPServer` answering through `RPCRouter`.
public enum RPCServer {
    /// Binds `config.listenAddress` (or `portOverride`, e.g. 0 in tests); call `run()` on the result.
    public static func bind(config: RPCConfig, queries: NodeQueries, logger: Logger,
                            portOverride: Int? = nil) async throws -> HTTPServer {
        let router = RPCRouter(queries: queries,
                               finalTimeout: .milliseconds(Int64(clamping: config.timeoutBroadcastTxCommitMillis)),
                               healthMaxBlockAgeMillis: config.healthMaxBlockAgeMillis)
        return try await HTTPServer.bind(host: config.listenAddress.host, port: portOverride ?? Int(config.listenAddress.port),
                                         limits: config.httpLimits, logger: logger, immediate: router.answerNow) { request in
            await router.handle(request)
        }
    }
}
