import Foundation
import Hummingbird
import Logging
import NIOCore
import SigndHTTP

/// The live view's HTTP side on `live_view.address:live_view.port`: `/` (the page), `/stream.mjpg`
/// (multipart JPEG, one part per rendered frame) and `/status.json` (`LiveStatus`).
public final class LiveViewServer: Sendable {
    private let server: LocalHTTPServer
    private let view: LiveView
    public var port: Int { server.port }
    public var host: String { server.host }

    static let boundary = "signdframe"

    public init(view: LiveView, host: String, port: Int, logger: Logger) throws(HTTPServerError) {
        self.view = view
        let router = Router()
        router.get("/") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: LiveViewPage.html)))
        }
        router.get("status.json") { _, _ -> Response in
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let body = (try? encoder.encode(view.status)) ?? Data("{}".utf8)
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("stream.mjpg") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "multipart/x-mixed-replace; boundary=\(Self.boundary)", .cacheControl: "no-store"],
                     body: ResponseBody { writer in
                         view.watcherJoined()
                         defer { view.watcherLeft() }
                         var sent = 0
                         while !view.isClosed, !Task.isCancelled {
                             let latest = view.latestImage
                             if latest.sequence != sent, !latest.jpeg.isEmpty {
                                 var part = ByteBuffer(string: "--\(Self.boundary)\r\nContent-Type: image/jpeg\r\nContent-Length: \(latest.jpeg.count)\r\n\r\n")
                                 part.writeBytes(latest.jpeg)
                                 part.writeString("\r\n")
                                 try await writer.write(part)
                                 sent = latest.sequence
                             }
                             try await Task.sleep(for: .milliseconds(15))
                         }
                         try await writer.finish(nil)
                     })
        }
        server = try LocalHTTPServer(key: "live_view", host: host, port: port, router: router, logger: logger)
    }

    /// Ends the open streams, then the server.
    public func stop() {
        view.close()
        server.stop()
    }
}
