import Foundation
import Logging
import SigndConfig
import SigndCore
import SigndDaemon
import SigndEvents
import SigndTestSupport
import XCTest

/// `/metrics` of a real daemon (real decoding, landmark models and heads, a real HTTP server), scraped over
/// HTTP while it runs and held to the `stats`, `state` and `sign` events a SUB client received in the same run.
final class MetricsEndpointTests: XCTestCase {
    private func config(port: Int) throws -> SigndConfiguration {
        var config = try LoopedClipDaemon.config(camera: "metered")
        config.events.statsIntervalSeconds = 0.3
        config.metrics.enabled = true
        config.metrics.port = port
        return config
    }

    func testScrapedFiguresMatchTheStatsAndStateEventsOfTheSameRun() throws {
        let port = freeTCPPort()
        let config = try config(port: port)
        let collector = try EventCollector(endpoint: config.events.endpoints[0])
        let daemon = LoopedClipDaemon(config)

        func statsCount(_ events: [ReceivedEvent]) -> Int { events.filter { $0.stats != nil }.count }
        func startsCount(_ events: [ReceivedEvent]) -> Int { events.filter { $0.state?.phase == .start }.count }
        XCTAssertTrue(collector.wait(timeout: 60) { startsCount($0) >= 1 && statsCount($0) >= 3 }, "a segment started and stats came")
        let startsBefore = startsCount(collector.events.values)
        let first = try scrape(port: port)
        let statsSoFar = statsCount(collector.events.values)
        XCTAssertTrue(collector.wait(timeout: 30) { statsCount($0) >= statsSoFar + 2 })
        let second = try scrape(port: port)
        XCTAssertEqual(daemon.stop(), ["ok"])
        XCTAssertTrue(collector.stop())
        let events = collector.events.values
        let stats = events.compactMap(\.stats)

        for scraped in [first, second] {
            // Counters advance with each stats event: the scrape shows one of them, field for field.
            let framesIn = try XCTUnwrap(scraped["signd_frames_in_total{camera=\"metered\"}"])
            guard let k = stats.firstIndex(where: { Double($0.framesIn) == framesIn }) else {
                XCTFail("frames_in \(framesIn) is not the total of any stats event: \(stats.map(\.framesIn))")
                continue
            }
            let event = stats[k]
            XCTAssertEqual(scraped["signd_frames_out_total{camera=\"metered\"}"], Double(event.framesOut))
            XCTAssertEqual(scraped["signd_frames_dropped_total{camera=\"metered\"}"], Double(event.droppedFrames))
            XCTAssertEqual(scraped["signd_publish_drops_total{camera=\"metered\"}"], Double(event.publishDrops))
            XCTAssertEqual(scraped["signd_curve_rejected_total{camera=\"metered\"}"], 0)
            XCTAssertEqual(scraped["signd_fps_in{camera=\"metered\"}"], event.fpsIn)
            XCTAssertEqual(scraped["signd_fps_out{camera=\"metered\"}"], event.fpsOut)
            XCTAssertEqual(scraped["signd_resident_memory_bytes{camera=\"metered\"}"], event.rssBytes.map { Double($0) })
            // Stage histograms: the samples behind every stats event up to this one.
            for stage in ["capture", "landmarks", "window", "binary", "multiclass", "publish", "capture_to_publish"] {
                let expected = stats[...k].reduce(0) { $0 + ($1.stages.first { $0.name == stage }?.count ?? 0) }
                XCTAssertEqual(scraped["signd_stage_duration_seconds_count{camera=\"metered\",stage=\"\(stage)\"}"], Double(expected), stage)
                XCTAssertEqual(scraped["signd_stage_duration_seconds_bucket{camera=\"metered\",stage=\"\(stage)\",le=\"+Inf\"}"], Double(expected), stage)
            }
            XCTAssertGreaterThan(scraped["signd_stage_duration_seconds_count{camera=\"metered\",stage=\"landmarks\"}"] ?? 0, 0)
            XCTAssertEqual(scraped["signd_source_state{camera=\"metered\",state=\"open\"}"], 1)
            XCTAssertEqual(scraped["signd_health_status{camera=\"metered\",status=\"ok\"}"], 1)
            XCTAssertEqual(scraped["signd_build_info{camera=\"metered\",version=\"\(SigndVersion.string)\"}"], 1)
        }
        // Segments and signs follow their events at once: between what the SUB client had before the scrape
        // and what it received in the whole run.
        let segments = try XCTUnwrap(second["signd_segments_started_total{camera=\"metered\"}"])
        XCTAssertGreaterThanOrEqual(segments, Double(startsBefore))
        XCTAssertLessThanOrEqual(segments, Double(startsCount(events)))
        let signs = second.filter { $0.key.hasPrefix("signd_signs_total{") }.values.reduce(0, +)
        XCTAssertGreaterThan(signs, 0)
        XCTAssertLessThanOrEqual(signs, Double(events.filter { $0.sign != nil }.count))
        let signing = try XCTUnwrap(second["signd_signing{camera=\"metered\"}"])
        XCTAssertTrue(signing == 0 || signing == 1)
        // The server stops with the daemon.
        XCTAssertThrowsError(try scrape(port: port), "nothing serves /metrics after the run")
    }

    /// Two cameras in one daemon: one `/metrics` with each camera's series under its own `camera` label, each
    /// held to that camera's own `stats` events.
    func testTwoCamerasShareOneEndpointEachUnderItsLabel() throws {
        let port = freeTCPPort()
        var config = try config(port: port)
        let clip = config.source
        var second = clip
        second.uri = TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path
        config.cameras = [.init(id: "door", source: clip), .init(id: "desk", source: second)]
        let collector = try EventCollector(endpoint: config.events.endpoints[0])
        let daemon = LoopedClipDaemon(config)
        func stats(_ events: [ReceivedEvent], _ camera: String) -> [StatsEvent] {
            events.filter { $0.topic == "signd.\(camera).stats" }.compactMap(\.stats)
        }
        XCTAssertTrue(collector.wait(timeout: 60) { stats($0, "door").count >= 2 && stats($0, "desk").count >= 2 }, "both cameras report")
        let scraped = try scrape(port: port)
        XCTAssertEqual(daemon.stop(), ["ok"])
        XCTAssertTrue(collector.stop())
        for camera in ["door", "desk"] {
            // The scrape shows one of this camera's stats events, field for field (the counters advance with them).
            let framesIn = try XCTUnwrap(scraped["signd_frames_in_total{camera=\"\(camera)\"}"], camera)
            let event = try XCTUnwrap(stats(collector.events.values, camera).first { Double($0.framesIn) == framesIn },
                                      "\(camera): frames_in \(framesIn) is no stats event's")
            XCTAssertEqual(scraped["signd_frames_out_total{camera=\"\(camera)\"}"], Double(event.framesOut), camera)
            XCTAssertEqual(scraped["signd_source_state{camera=\"\(camera)\",state=\"open\"}"], 1, camera)
            XCTAssertEqual(scraped["signd_build_info{camera=\"\(camera)\",version=\"\(SigndVersion.string)\"}"], 1, camera)
            XCTAssertGreaterThan(scraped["signd_stage_duration_seconds_count{camera=\"\(camera)\",stage=\"landmarks\"}"] ?? 0, 0, camera)
        }
        XCTAssertNil(scraped["signd_frames_in_total{camera=\"metered\"}"], "no series for the unused camera_id")
    }

    func testAPortInUseStopsTheStartNamingTheKey() throws {
        let listener = try TCPListener()
        var config = try config(port: listener.port)
        config.source.loop = false
        do {
            _ = try Daemon(config: config, logger: Logger(label: "test")).run()
            XCTFail("the daemon started without its metrics endpoint")
        } catch {
            XCTAssertTrue(error.description.hasPrefix("metrics: cannot serve on 127.0.0.1:\(listener.port)"), error.description)
            XCTAssertEqual(error.exitCode, ExitStatus.unavailable)
            XCTAssertNotNil(error.cause, "the HTTP server's own error is kept")
        }
    }

    func testCheckConfigWarnsAboutEndpointsOtherMachinesReach() {
        var config = SigndConfiguration()
        config.source.uri = "0"
        XCTAssertFalse(ConfigCheck.warnings(config).contains { $0.key.hasPrefix("metrics") || $0.key.hasPrefix("mqtt") })
        config.metrics.enabled = true
        config.metrics.address = "0.0.0.0"
        config.mqtt.enabled = true
        config.mqtt.host = "broker.lan"
        config.mqtt.password = "secret"
        let findings = ConfigCheck.warnings(config)
        XCTAssertTrue(findings.contains { $0.key == "metrics.address" && $0.severity == .warning }, "\(findings)")
        XCTAssertTrue(findings.contains { $0.key == "mqtt.password_file" && $0.severity == .warning && $0.message.contains("clear text") }, "\(findings)")
        XCTAssertTrue(findings.contains { $0.key == "mqtt.password_file" && $0.severity == .error && $0.message.contains("mqtt.username") }, "\(findings)")
        XCTAssertFalse(findings.contains { $0.message.contains("secret") }, "never the password")
        config.metrics.address = "127.0.0.1"
        config.mqtt.host = "127.0.0.1"
        config.mqtt.username = "signd"
        XCTAssertFalse(ConfigCheck.warnings(config).contains { $0.key.hasPrefix("metrics") || $0.key.hasPrefix("mqtt") })
    }

    /// GET /metrics, parsed into "name{labels}" → value.
    private func scrape(port: Int) throws -> [String: Double] {
        let reply = try httpGet("http://127.0.0.1:\(port)/metrics")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.contentType, "text/plain; version=0.0.4; charset=utf-8")
        var values: [String: Double] = [:]
        for line in String(decoding: reply.body, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                XCTFail("not a sample line: \(line)")
                continue
            }
            values[String(line[..<space])] = value
        }
        return values
    }
}

/// A socket listening on a free loopback port, so that a second bind fails.
private final class TCPListener {
    let fd: Int32
    let port: Int
    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 1) == 0 else { throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
    }
    deinit { close(fd) }
}
