import Foundation
import Logging
import SigndConfig
import SigndDaemon
import SigndEvents
import SigndTestSupport
import XCTest

/// The daemon in-process on the bundled samples with a real SUB socket listening.
final class PipelineTests: XCTestCase {
    private func config(source: String, endpoint: String, landmarks: Bool) -> SigndConfiguration {
        var config = SigndConfiguration()
        config.cameraID = "test"
        config.source.uri = TestPaths.samples.appendingPathComponent(source).path
        config.landmarks.enabled = landmarks
        config.landmarks.modelsDirectory = TestPaths.models.path
        config.events.endpoints = [endpoint]
        config.events.statsIntervalSeconds = 0.2
        config.systemd.notify = false
        return config
    }

    /// Runs the daemon to the end of the file while a subscriber collects everything.
    private func runCollecting(_ config: SigndConfiguration, curve: CurveClientConfiguration? = nil) throws -> (RunSummary, [ReceivedEvent]) {
        let run = try daemonRun(config, curve: curve)
        return (try run.outcome.get(), run.events)
    }

    func testFileRunPublishesFramesStatsHealthAndSourceEventsInOrder() throws {
        let endpoint = "ipc://\(FileManager.default.temporaryDirectory.path)/signd-pipeline-\(UUID().uuidString)"
        let (summary, events) = try runCollecting(config(source: "mmaction2_test.avi", endpoint: endpoint, landmarks: false))
        XCTAssertEqual(summary.framesOut, 164)
        let frames = events.filter { $0.topic == "signd.test.frame" }
        XCTAssertEqual(frames.count, 164, "every frame event arrives")
        XCTAssertEqual(frames.map(\.message.envelope.seq), Array(0..<164).map(UInt64.init), "contiguous per-topic seq")
        XCTAssertEqual(frames.map(\.message.envelope.frame), Array(0..<164).map(Optional.some))
        let monos = frames.map(\.message.envelope.monoNanos)
        XCTAssertEqual(monos, monos.sorted())
        XCTAssertGreaterThanOrEqual(events.filter { $0.topic == "signd.test.stats" }.count, 1)
        // Stage counts are per interval: over all stats events they add up to the frames, once each.
        let captureCounts = events.compactMap { e -> Int? in
            if case .stats(let s) = e.message.event { return s.stages.first { $0.name == "capture" }?.count ?? 0 } else { return nil }
        }
        XCTAssertEqual(captureCounts.reduce(0, +), 164, "\(captureCounts)")
        let sources = events.filter { $0.topic == "signd.test.source" }.compactMap { e -> String? in
            if case .source(let s) = e.message.event { return s.name.rawValue } else { return nil }
        }
        XCTAssertEqual(sources, ["opened", "ended"])
        XCTAssertTrue(events.contains { $0.topic == "signd.test.health" })
        for kind in ["stats", "health", "source"] {
            let seqs = events.filter { $0.topic == "signd.test.\(kind)" }.map(\.message.envelope.seq)
            XCTAssertEqual(seqs, Array(0..<UInt64(seqs.count)), "\(kind) seq contiguous")
        }
    }

    /// With events.curve configured, an allowed client key receives the stream and an unknown one nothing.
    func testCurveAllowList() throws {
        let server = try CurveKeyPair.generate()
        let allowed = try CurveKeyPair.generate()
        let stranger = try CurveKeyPair.generate()
        let yaml = """
        camera_id: test
        source: {uri: '\(TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path)', max_frames: 40}
        landmarks: {enabled: false}
        events:
          endpoints: ['tcp://127.0.0.1:\(freeTCPPort())']
          curve:
            server_secret_key: '\(server.secretKey.z85)'
            server_public_key: '\(server.publicKey.z85)'
            allowed_client_keys: ['\(allowed.publicKey.z85)']
        systemd: {notify: false}
        """
        let config = try ConfigLoader.parse(yaml: yaml)
        // A stranger knocks while the allowed client listens: refused, and counted in `stats` for the operator.
        let knocking = try EventSubscriber(endpoint: config.events.endpoints[0],
                                           curve: CurveClientConfiguration(serverPublicKey: server.publicKey, clientKeys: stranger))
        defer { knocking.close() }
        let (_, events) = try runCollecting(config, curve: CurveClientConfiguration(serverPublicKey: server.publicKey, clientKeys: allowed))
        XCTAssertEqual(events.filter { $0.topic == "signd.test.frame" }.count, 40)
        let rejected = events.compactMap { if case .stats(let s) = $0.message.event { s.curveRejected } else { nil } }
        XCTAssertGreaterThanOrEqual(rejected.last ?? 0, 1, "refused handshakes are reported: \(rejected)")
        var other = config
        other.events.endpoints = ["tcp://127.0.0.1:\(freeTCPPort())"]
        let (_, none) = try runCollecting(other, curve: CurveClientConfiguration(serverPublicKey: server.publicKey, clientKeys: stranger))
        XCTAssertTrue(none.isEmpty, "an unknown client key receives nothing")
    }

    /// A loopback RTSP stream is consumed, its server killed and restarted: the daemon keeps running,
    /// publishes source lost → reconnecting → reconnected and health degraded → ok, and frames resume.
    func testRTSPDropIsRecoveredAndReported() throws {
        let port = freeTCPPort()
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Scripts/rtsp_server.py").path
        func startServer() throws -> BackgroundProcess {
            let server = try BackgroundProcess("/usr/bin/python3", [script, "--port", String(port)])
            guard server.waitForLine(containing: "ready", timeout: 10) else { throw SetupRequirement.missing("GStreamer RTSP server unavailable") }
            return server
        }
        var server = try startServer()
        let dir = try TemporaryDirectory(prefix: "signd-rtsp")
        defer { dir.remove(); server.stop() }
        var config = config(source: "x", endpoint: "ipc://\(dir.path)/events", landmarks: false)
        config.source.uri = "rtsp://127.0.0.1:\(port)/test"
        // Heads off: a debug or sanitizer build runs them slower than 15 fps, and health would then rightly
        // end `degraded` (frames dropped); this test is about the source.
        config.heads.enabled = false
        config.source.readTimeoutMillis = 1500
        config.source.reconnectInitialDelayMillis = 200
        config.source.reconnectMaxDelayMillis = 1000

        let subscriber = try EventSubscriber(endpoint: config.events.endpoints[0])
        let received = Recorder<ReceivedEvent>()
        let stop = Recorder<Bool>()
        let box = UncheckedBox(subscriber)
        let reader = Thread {
            while stop.values.isEmpty { if let e = try? box.value.receive(timeoutMilliseconds: 200) { received.append(e) } }
        }
        reader.start()
        let daemon = Daemon(config: config, logger: Logger(label: "test"))
        let finished = Recorder<RunSummary>()
        let runner = Thread { if let summary = try? daemon.run() { finished.append(summary) } }
        runner.start()

        func sourceNames(_ events: [ReceivedEvent]) -> [String] {
            events.compactMap { if case .source(let s) = $0.message.event { s.name.rawValue } else { nil } }
        }
        func frameCount(_ events: [ReceivedEvent]) -> Int { events.filter { $0.topic == "signd.test.frame" }.count }

        XCTAssertTrue(received.wait(timeout: 15) { frameCount($0) >= 10 }, "frames from the stream")
        server.stop()
        XCTAssertTrue(received.wait(timeout: 10) { sourceNames($0).contains("reconnecting") }, "\(sourceNames(received.values))")
        let framesBeforeRestart = frameCount(received.values)
        server = try startServer()
        XCTAssertTrue(received.wait(timeout: 20) { sourceNames($0).contains("reconnected") }, "\(sourceNames(received.values))")
        XCTAssertTrue(received.wait(timeout: 10) { frameCount($0) >= framesBeforeRestart + 5 }, "frames resume after reconnection")
        daemon.requestStop()
        XCTAssertTrue(finished.wait(timeout: 10) { !$0.isEmpty }, "the daemon stops on request")
        stop.append(true)

        let names = sourceNames(received.values)
        XCTAssertEqual(names.first, "opened")
        XCTAssertLessThan(names.firstIndex(of: "lost")!, names.firstIndex(of: "reconnecting")!)
        XCTAssertLessThan(names.firstIndex(of: "reconnecting")!, names.firstIndex(of: "reconnected")!)
        let healthEvents = received.values.compactMap { if case .health(let h) = $0.message.event { h } else { nil } }
        let health = healthEvents.map(\.status.rawValue)
        XCTAssertTrue(health.contains("degraded"), "\(health)")
        XCTAssertEqual(health.last, "ok", "\(healthEvents)")
        let frames = received.values.filter { $0.topic == "signd.test.frame" }.compactMap(\.message.envelope.frame)
        XCTAssertEqual(frames, frames.sorted(), "frame indices keep increasing across the reconnection")
    }

    func testTruncatedFileKeepsFramesAndReportsError() throws {
        let original = try Data(contentsOf: TestPaths.samples.appendingPathComponent("mmaction2_test.avi"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-trunc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("cut.avi")
        try original.prefix(original.count / 2).write(to: file)
        var config = config(source: "x", endpoint: "ipc://\(dir.path)/events", landmarks: false)
        config.source.uri = file.path
        let (summary, events) = try runCollecting(config)
        XCTAssertGreaterThan(summary.framesOut, 20)
        XCTAssertEqual(events.filter { $0.topic == "signd.test.frame" }.count, summary.framesOut, "frames already decoded are all published")
        XCTAssertTrue(events.contains { e in
            if case .source(.error(let message)) = e.message.event { return message.contains("truncated") }
            return false
        })
    }
}
