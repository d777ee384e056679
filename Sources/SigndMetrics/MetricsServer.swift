import Hummingbird
import Logging
import NIOCore
import SigndHTTP

/// `GET /metrics` (Prometheus text format 0.0.4) for one exporter, on `metrics.address:metrics.port`.
public final class MetricsServer: Sendable {
    private let server: LocalHTTPServer
    public var port: Int { server.port }
    public var host: String { server.host }

    public init(exporter: MetricsExporter, host: String, port: Int, logger: Logger) throws(HTTPServerError) {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: exporter.exposition())))
        }
        server = try LocalHTTPServer(key: "metrics", host: host, port: port, router: router, logger: logger)
    }

    public func stop() { server.stop() }
}
