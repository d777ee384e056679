import Foundation
import Hummingbird
import Logging
import NIOCore
import SigndHTTP

/// The live view's HTTP side on `live_view.address:live_view.port`. Each camera has its page at
/// `/camera/<id>/`, with `stream.mjpg` (multipart JPEG, one part per rendered frame) and `status.json`
/// (`LiveStatus`) beside it. With one camera `/`, `/stream.mjpg` and `/status.json` are that camera's; with
/// several, `/` shows them all.
public final class LiveViewServer: Sendable {
    private let server: LocalHTTPServer
    private let views: [LiveView]
    public var port: Int { server.port }
    public var host: String { server.host }

    static let boundary = "signdframe"

    /// - Parameter views: one per camera, at least one, with distinct cameras.
    public init(views: [LiveView], host: String, port: Int, logger: Logger) throws(HTTPServerError) {
        precondition(!views.isEmpty, "a live view shows at least one camera")
        self.views = views
        let router = Router()
        if views.count == 1 {
            Self.route(router, at: "", view: views[0], page: LiveViewPage.camera(base: "", index: false))
        } else {
            let index = LiveViewPage.index(cameras: views.map(\.camera))
            router.get("/") { _, _ -> Response in Self.html(index) }
        }
        for view in views {
            let base = "/camera/\(view.camera)/"
            Self.route(router, at: base, view: view, page: LiveViewPage.camera(base: base, index: views.count > 1))
        }
        server = try LocalHTTPServer(key: "live_view", host: host, port: port, router: router, logger: logger)
    }

    /// One camera's page, `status.json` and `stream.mjpg` under `prefix` ("" or "/camera/<id>/").
    private static func route(_ router: Router<BasicRequestContext>, at prefix: String, view: LiveView, page: String) {
        router.get(prefix.isEmpty ? "/" : RouterPath(prefix)) { _, _ -> Response in html(page) }
        router.get(RouterPath("\(prefix)status.json")) { _, _ -> Response in
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let body = (try? encoder.encode(view.status)) ?? Data("{}".utf8)
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get(RouterPath("\(prefix)stream.mjpg")) { _, _ -> Response in
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
    }

    private static func html(_ page: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    /// Ends the open streams, then the server.
    public func stop() {
        for view in views { view.close() }
        server.stop()
    }
}
