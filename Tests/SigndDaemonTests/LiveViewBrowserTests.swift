import Foundation
import Logging
import SigndConfig
import SigndDaemon
import SigndEvents
import SigndTestSupport
import XCTest

/// The live view in a real headless Chromium (chromedriver), served by the real daemon on the looped
/// signing clip: the page shows the stream, the state changing, P(signing) and the signs the ZeroMQ
/// subscribers got. `SIGND_SCREENSHOT_OUT=path.png` keeps the screenshot (docs/live-view.png is one).
final class LiveViewBrowserTests: XCTestCase {
    func testPageShowsStreamStateChangesTraceAndSigns() throws {
        let browser = try BrowserSession(width: 1060, height: 640)
        var config = try LoopedClipDaemon.config(camera: "lobby")
        config.liveView.enabled = true
        config.liveView.port = freeTCPPort()
        let page = "http://127.0.0.1:\(config.liveView.port)/"

        let collector = try EventCollector(endpoint: config.events.endpoints[0])
        let daemon = LoopedClipDaemon(config)
        defer {
            daemon.stop()
            collector.stop()
        }
        XCTAssertTrue(collector.wait(timeout: 60) { $0.contains { $0.sign != nil } }, "the daemon is classifying")
        // Nobody watches yet: nothing is rendered.
        XCTAssertEqual(try status(page)["images_rendered"] as? Int, 0, "no rendering without a viewer")

        try browser.open(page)
        XCTAssertTrue(try browser.wait(timeout: 60, until: "return document.getElementById('stream').naturalWidth === 640"),
                      "the MJPEG stream shows in the page")
        XCTAssertTrue(try browser.wait(timeout: 90, until: """
            const h = document.getElementById('history').textContent;
            return h.includes('signing → idle') || h.includes('idle → signing');
            """), "a state change shows up: \(String(describing: try? browser.evaluate("return document.getElementById('history').textContent")))")
        XCTAssertTrue(try browser.wait(timeout: 60, until: """
            return document.getElementById('state').dataset.state === 'signing' && document.querySelectorAll('#signs li').length >= 3
            """))
        let points = try browser.evaluate("return Number(document.getElementById('trace').dataset.points)") as? Int ?? 0
        XCTAssertGreaterThan(points, 10, "the P(signing) trace is drawn")
        XCTAssertEqual(try browser.evaluate("return document.getElementById('camera').textContent") as? String, "lobby")
        let shown = try browser.evaluate("return Array.from(document.querySelectorAll('#signs li')).map(li => li.dataset.label)") as? [String] ?? []
        let published = Set(collector.events.values.compactMap { $0.sign?.label })
        XCTAssertFalse(shown.isEmpty)
        XCTAssertTrue(Set(shown).isSubset(of: published), "the page lists signs the subscribers got: \(shown) vs \(published)")
        XCTAssertGreaterThan(try status(page)["images_rendered"] as? Int ?? 0, 0)

        let png = try browser.screenshot()
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG")
        if let out = ProcessInfo.processInfo.environment["SIGND_SCREENSHOT_OUT"] { try png.write(to: URL(fileURLWithPath: out)) }
    }

    private func status(_ page: String) throws -> [String: Any] {
        let reply = try httpGet(page + "status.json")
        XCTAssertEqual(reply.contentType, "application/json")
        return try JSONSerialization.jsonObject(with: reply.body) as? [String: Any] ?? [:]
    }
}
