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
        let (config, page) = try liveViewConfig()
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

    /// Two cameras on one live view: `/` shows both streams with each camera's own state, each camera has its
    /// page under `/camera/<id>/` (its stream, its status) linking back, and the one-camera paths are gone.
    func testSeveralCamerasEachHaveTheirPageAndTheIndexShowsThemAll() throws {
        let browser = try BrowserSession(width: 1060, height: 640)
        let (config, root) = try liveViewConfig { config in
            config.cameras = [("door", "msl150_hoy_001.mp4"), ("desk", "mmaction2_test.avi")].map { id, clip in
                var source = SigndConfiguration.Source()
                source.uri = TestPaths.samples.appendingPathComponent(clip).path
                // Not paced: a paced camera that drops frames on a small machine scores no window across the gap.
                source.loop = true
                return .init(id: id, source: source)
            }
        }
        let daemon = LoopedClipDaemon(config)
        defer { daemon.stop() }

        XCTAssertTrue(try waitForServer(root), "the live view answers")
        XCTAssertEqual(try httpGet(root + "status.json").status, 404, "with several cameras there is no one camera's status at the root")
        for camera in ["door", "desk"] {
            XCTAssertEqual(try status(root + "camera/\(camera)/")["camera"] as? String, camera)
        }

        try browser.open(root)
        XCTAssertEqual(try browser.evaluate("return Array.from(document.querySelectorAll('.card')).map(c => c.dataset.camera)") as? [String],
                       ["door", "desk"])
        XCTAssertTrue(try browser.wait(timeout: 60, until: """
            return Array.from(document.querySelectorAll('.card img')).every(img => img.naturalWidth === 640)
            """), "both streams show on the index")
        XCTAssertTrue(try browser.wait(timeout: 90, until: """
            return document.querySelector('.card[data-camera="door"] .state').dataset.state === 'signing'
            """), "the signing camera's card shows it signing: \(String(describing: try? status(root + "camera/door/")))")

        try browser.open(root + "camera/desk/")
        XCTAssertTrue(try browser.wait(timeout: 30, until: "return document.getElementById('camera').textContent === 'desk'"), "the desk's page")
        XCTAssertTrue(try browser.wait(timeout: 60, until: "return document.getElementById('stream').naturalWidth === 640"), "the desk's stream")
        XCTAssertEqual(try browser.evaluate("return document.querySelector('h1 a').getAttribute('href')") as? String, "/")
        XCTAssertGreaterThan(try status(root + "camera/desk/")["images_rendered"] as? Int ?? 0, 0)
    }

    /// With `heads.confirm_frames` a segment is tentative until its `confirm`: `status.json` says
    /// `confirmed: false`, then `true` in the same segment, and the page shows the tentative state before the
    /// signing one. Without confirmation the field is absent (tested above through the page, which shows
    /// `signing` for it).
    func testTentativeSegmentShowsUntilItIsConfirmed() throws {
        let browser = try BrowserSession(width: 1060, height: 640)
        let (config, page) = try liveViewConfig { $0.heads.confirmFrames = 10 }
        let daemon = LoopedClipDaemon(config)
        defer { daemon.stop() }
        XCTAssertTrue(try waitForServer(page), "the live view answers")

        // Each pass of the looped clip opens a segment that N = 10 confirms (HeadsDaemonTests); polled every
        // 20 ms, one of them shows both states.
        var tentative = Set<Int>(), confirmedAfterTentative: Int?
        let deadline = Date().addingTimeInterval(120)
        while confirmedAfterTentative == nil && Date() < deadline {
            let s = try status(page)
            if let segment = s["segment"] as? Int, let confirmed = s["confirmed"] as? Bool {
                if !confirmed { tentative.insert(segment) } else if tentative.contains(segment) { confirmedAfterTentative = segment }
            } else if s["segment"] is Int {
                XCTFail("an open segment with confirmation on carries confirmed: \(s)")
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertNotNil(confirmedAfterTentative, "a segment seen tentative, then confirmed (tentative: \(tentative))")

        try browser.open(page)
        XCTAssertTrue(try browser.wait(timeout: 120, until: """
            return document.getElementById('history').textContent.includes('tentative → signing')
            """), "the page shows a tentative segment, then it confirmed: \(String(describing: try? browser.evaluate("return document.getElementById('history').textContent")))")
    }

    /// The looped signing clip's daemon with the live view on a free port, changed by `configure`, and the
    /// view's root URL.
    private func liveViewConfig(_ configure: (inout SigndConfiguration) -> Void = { _ in }) throws -> (SigndConfiguration, String) {
        var config = try LoopedClipDaemon.config(camera: "lobby")
        config.liveView.enabled = true
        config.liveView.port = freeTCPPort()
        configure(&config)
        return (config, "http://127.0.0.1:\(config.liveView.port)/")
    }

    /// Polls `url` until it answers 200.
    private func waitForServer(_ url: String, timeout: TimeInterval = 60) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? httpGet(url, timeoutSeconds: 2))?.status == 200 { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return false
    }

    private func status(_ page: String) throws -> [String: Any] {
        let reply = try httpGet(page + "status.json")
        XCTAssertEqual(reply.contentType, "application/json")
        return try JSONSerialization.jsonObject(with: reply.body) as? [String: Any] ?? [:]
    }
}
