import Foundation
import Logging
import SigndConfig
import SigndCore
import SigndDaemon
import SigndEvents
import SigndTestSupport
import XCTest

/// Health tells the truth, with real parts: a loopback RTSP server that is absent and then appears, or
/// disappears mid-segment; a models directory without heads; the daemon in-process with a real SUB socket.
final class HealthTests: XCTestCase {
    private var temp: TemporaryDirectory!

    override func setUpWithError() throws { temp = try TemporaryDirectory(prefix: "signd-health") }
    override func tearDownWithError() throws { temp.remove() }

    private func config(source: String) -> SigndConfiguration {
        var config = SigndConfiguration()
        config.cameraID = "health"
        config.source.uri = source
        config.source.openTimeoutMillis = 2000
        config.source.readTimeoutMillis = 1500
        config.source.reconnectInitialDelayMillis = 200
        config.source.reconnectMaxDelayMillis = 500
        config.landmarks.enabled = false
        // Heads only where a test needs them: a debug or sanitizer build runs them slower than the 15 fps
        // stream, and health would rightly add `frames_dropped`.
        config.heads.enabled = false
        config.landmarks.modelsDirectory = TestPaths.models.path
        config.events.endpoints = ["ipc://\(temp.path)/events-\(UUID().uuidString)"]
        config.events.statsIntervalSeconds = 0.2
        config.health.intervalSeconds = 0.5
        config.systemd.notify = false
        return config
    }

    /// The binary head on, thresholds 0 / 0 and one frame to start: every scored window is signing, so a
    /// segment opens at the first full window and can end only by a gap or the stop. No span limit: a slow
    /// (sanitizer) build drops frames, and these tests are about something else.
    private func alwaysSigning(source: String) -> SigndConfiguration {
        var config = config(source: source)
        config.heads.enabled = true
        config.windows.maxSpanFactor = nil
        config.heads.enterThreshold = 0
        config.heads.exitThreshold = 0
        config.heads.minStartFrames = 1
        config.heads.multiclass = nil
        config.heads.multiclassIsDefault = false
        return config
    }

    private func startServer(port: Int) throws -> BackgroundProcess {
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Scripts/rtsp_server.py").path
        let server = try BackgroundProcess("/usr/bin/python3", [script, "--port", String(port)])
        guard server.waitForLine(containing: "ready", timeout: 10) else { throw SetupRequirement.missing("GStreamer RTSP server unavailable") }
        return server
    }

    func testLiveSourceAbsentAtStartIsWaitedForAndReported() throws {
        let port = freeTCPPort()
        let run = try LiveRun(config(source: "rtsp://127.0.0.1:\(port)/test"))
        defer { run.finish() }
        XCTAssertTrue(run.received.wait(timeout: 10) { $0.health.contains { $0.reasons == [.sourceUnavailable] && $0.status == .degraded } },
                      "degraded while the source is absent: \(run.received.values.health)")
        XCTAssertFalse(run.received.values.health.contains { $0.status == .ok }, "never ok without a source")
        XCTAssertTrue(run.isRunning, "an absent live source is not a reason to exit")
        let server = try startServer(port: port)
        defer { server.stop() }
        XCTAssertTrue(run.received.wait(timeout: 20) { $0.frameCount >= 5 }, "frames once the server is up")
        XCTAssertTrue(run.received.wait(timeout: 5) { $0.health.last?.status == .ok }, "\(run.received.values.health)")
        XCTAssertTrue(run.received.values.sourceNames.contains("opened"), "\(run.received.values.sourceNames)")
        let summary = try XCTUnwrap(run.stop())
        XCTAssertGreaterThanOrEqual(summary.framesOut, 5)
    }

    /// A segment open when the source is lost ends at once with reason `source_lost`, not when (or if) the
    /// source comes back. Thresholds 0 / 0 make every scored window signing, so a segment is open after the
    /// first 25 frames and can end only by the loss.
    func testOpenSegmentEndsWhenTheSourceIsLost() throws {
        let port = freeTCPPort()
        var server = try startServer(port: port)
        defer { server.stop() }
        let config = alwaysSigning(source: "rtsp://127.0.0.1:\(port)/test")
        let run = try LiveRun(config)
        defer { run.finish() }
        XCTAssertTrue(run.received.wait(timeout: 30) { $0.states.contains { $0.phase == .start } }, "a segment starts")
        server.stop()
        let lostAt = Date()
        XCTAssertTrue(run.received.wait(timeout: 10) { $0.states.contains { $0.phase == .end } }, "the segment ends while the source is away")
        XCTAssertLessThan(Date().timeIntervalSince(lostAt), 10)
        let end = try XCTUnwrap(run.received.values.states.first { $0.phase == .end })
        XCTAssertEqual(end.reason, .sourceLost)
        XCTAssertEqual(run.received.values.states.filter { $0.phase == .start }.count, 1)
        XCTAssertTrue(run.received.wait(timeout: 5) { $0.health.last?.reasons == [.sourceUnavailable] })
        server = try startServer(port: port)   // comes back: no second end for the same segment
        XCTAssertTrue(run.received.wait(timeout: 20) { $0.sourceNames.contains("reconnected") })
        _ = run.stop()
        XCTAssertEqual(run.received.values.states.filter { $0.phase == .end && $0.segment == end.segment }.count, 1)
    }

    /// A looped file restarts the source: the restart travels with the frames (a new source epoch), so the
    /// open segment ends on the last frame of the first run with reason `source_restarted`, and no window
    /// straddles the restart: the next segment starts on the 25th frame of the second run.
    func testLoopedFileRestartEndsTheSegmentAndNoWindowStraddlesIt() throws {
        var config = alwaysSigning(source: TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path)
        config.source.loop = true
        config.source.maxFrames = 164 + 40
        let run = try LiveRun(config)
        let summary = try XCTUnwrap(run.waitForEnd(timeout: 120))
        XCTAssertEqual(summary.framesOut, 204)
        let states = run.received.values.states
        let phases = states.filter { $0.phase != .update }.map { "\($0.phase.rawValue) \($0.segment) from \($0.startFrame) \($0.reason?.rawValue ?? "")" }
        XCTAssertEqual(phases, ["start 0 from 24 ", "end 0 from 24 source_restarted", "start 1 from 188 ", "end 1 from 188 stopping"])
        XCTAssertEqual(states.first { $0.phase == .end }?.summary?.endFrame, 163, "the first run's segment ends on its last frame")
        // Each segment keeps one UUID on all its events, and two segments never share one.
        let ids = Dictionary(grouping: states, by: \.segment).mapValues { Set($0.compactMap(\.segmentID)) }
        XCTAssertEqual(ids[0]?.count, 1, "\(ids)")
        XCTAssertEqual(ids[1]?.count, 1, "\(ids)")
        XCTAssertNotEqual(ids[0], ids[1])
        // stats carry what the process costs and what it runs.
        let stats = try XCTUnwrap(run.received.values.compactMap { if case .stats(let s) = $0.message.event { s } else { nil } }.last)
        XCTAssertGreaterThan(stats.rssBytes ?? 0, 10_000_000, "a daemon with models loaded holds more than 10 MB")
        XCTAssertGreaterThan(stats.cpuSeconds ?? 0, 0)
        XCTAssertEqual(stats.version, SigndVersion.string)
        let binary = try XCTUnwrap(stats.models?.first)
        XCTAssertEqual(binary.role, "binary")
        let weights = try XCTUnwrap(config.binaryStem) + ".safetensors"
        let digest = try runProcess("/usr/bin/sha256sum", [weights]).split(separator: " ").first.map(String.init)
        XCTAssertEqual(binary.sha256, digest)
    }

    /// A models directory laid out for landmarks only (no heads): the daemon runs, but health says that no
    /// state or sign events can come, from the first health event to the last.
    func testMissingDefaultHeadsAreDegradedNotOk() throws {
        var config = config(source: TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path)
        config.heads.enabled = true
        config.landmarks.modelsDirectory = temp.path   // no signing-binary here
        let run = try LiveRun(config)
        let summary = try XCTUnwrap(run.waitForEnd(timeout: 60))
        XCTAssertEqual(summary.framesOut, 164)
        let health = run.received.values.health
        XCTAssertFalse(health.isEmpty)
        for event in health {
            XCTAssertEqual(event.status, .degraded, "\(event)")
            XCTAssertEqual(event.reasons, [.noHeads])
            XCTAssertTrue(event.message?.contains("no state or sign events") == true, event.message ?? "")
        }
    }

    /// Health is re-published every `health.interval_s` even when nothing changes, so a subscriber that
    /// connects late learns it.
    func testHealthIsRepublishedPeriodically() throws {
        var config = config(source: TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path)
        config.source.realtime = true   // 5.5 s at the file's rate
        let run = try LiveRun(config)
        let summary = try XCTUnwrap(run.waitForEnd(timeout: 60))
        XCTAssertGreaterThan(summary.seconds, 4)
        let health = run.received.values.health
        XCTAssertTrue(health.allSatisfy { $0.status == .ok }, "\(health)")
        // Once at start, every 0.5 s, and once at the end.
        XCTAssertGreaterThanOrEqual(health.count, Int(summary.seconds / 0.5) - 1, "\(health.count) in \(summary.seconds) s")
    }
}

extension HealthTests {
    /// A client that connects late asks the status endpoint and learns at once what PUB/SUB cannot replay:
    /// health, source state and the open segment.
    func testStatusEndpointAnswersWithHealthSourceAndSegment() throws {
        var config = alwaysSigning(source: TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path)
        config.source.realtime = true
        let endpoint = "ipc://\(temp.path)/status"
        config.events.statusEndpoint = endpoint
        let run = try LiveRun(config)
        defer { run.finish() }
        XCTAssertTrue(run.received.wait(timeout: 20) { $0.states.contains { $0.phase == .start } }, "a segment opens")
        let context = try ZmqContext()
        let client = try ZmqSocket(context: context, kind: .req)
        defer { client.close() }
        try client.set(.receiveTimeoutMilliseconds, 5000)
        try client.set(.lingerMilliseconds, 0)
        try client.connect(endpoint)
        _ = try client.send(Array("status".utf8), more: false, dontWait: false)
        let reply = try XCTUnwrap(try client.receiveMultipart(), "the status endpoint answers")
        let status = try JSONDecoder().decode(StatusSnapshot.self, from: Data(reply[0]))
        XCTAssertEqual(status.camera, "health")
        XCTAssertEqual(status.source, "open")
        // A slow (sanitizer) build may already be dropping frames; nothing else may be wrong.
        XCTAssertTrue(Set(status.health.reasons).isSubset(of: [.framesDropped, .windowsReset]), "\(status.health)")
        XCTAssertTrue(status.signing)
        XCTAssertEqual(status.segment, 0)
        XCTAssertEqual(status.segmentStartFrame, run.received.values.states.first { $0.phase == .start }?.startFrame)
        XCTAssertGreaterThan(status.framesOut, 24)
    }
}

extension HealthTests {
    /// A head whose weights are finite but so large that its outputs overflow (NaN probability) is not a
    /// silent failure: those windows are not scored, frames still go out, and health says
    /// `head_output_invalid`. (Non-finite weights are refused at load: LoadingErrorTests.)
    func testNonFiniteHeadOutputIsReportedDegraded() throws {
        let python = try ReferencePython.require(ReferencePython.main)
        let stem = temp.url.appendingPathComponent("overflowing").path
        let source = TestPaths.models.appendingPathComponent("signing-binary").path
        try runProcess(python, ["-c", """
            import shutil, sys
            import numpy as np
            from safetensors.numpy import load_file, save_file
            src, dst = sys.argv[1], sys.argv[2]
            tensors = load_file(src + ".safetensors")
            # Finite weights whose outputs are not: the classifier's input comes after a ReLU (>= 0), so with
            # every weight at 3e38 both logits overflow to +inf and the softmax gives NaN.
            tensors["cls_head.net.4.weight"] = np.full_like(tensors["cls_head.net.4.weight"], 3e38)
            save_file(tensors, dst + ".safetensors")
            shutil.copy(src + ".manifest.json", dst + ".manifest.json")
            """, source, stem])
        var config = config(source: TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path)
        config.heads.enabled = true
        config.heads.binary = stem
        config.heads.binaryIsDefault = false
        config.heads.multiclass = nil
        config.heads.multiclassIsDefault = false
        let run = try LiveRun(config)
        let summary = try XCTUnwrap(run.waitForEnd(timeout: 60), "the run finishes normally")
        XCTAssertEqual(summary.framesOut, 164)
        XCTAssertEqual(run.received.values.frameCount, 164, "every frame event goes out")
        let frames = run.received.values.compactMap { if case .frame(let f) = $0.message.event { f } else { nil } }
        XCTAssertTrue(frames.allSatisfy { $0.probability == nil }, "no NaN probability reaches a subscriber")
        XCTAssertTrue(run.received.values.health.contains { $0.reasons.contains(.headOutputInvalid) && $0.status == .degraded },
                      "\(run.received.values.health)")
        XCTAssertTrue(run.received.values.states.isEmpty, "no segment from undefined outputs")
    }
}

/// The daemon on its own thread with a SUB client collecting every event.
private final class LiveRun: @unchecked Sendable {
    let received = Recorder<ReceivedEvent>()
    private let daemon: Daemon
    private let result = Recorder<Result<RunSummary, DaemonError>>()
    private let stopReading = Recorder<Bool>()
    private let readerDone = Recorder<Bool>()
    private let subscriber: EventSubscriber

    init(_ config: SigndConfiguration) throws {
        subscriber = try EventSubscriber(endpoint: config.events.endpoints[0])
        daemon = Daemon(config: config, logger: Logger(label: "test"))
        let box = SubscriberHandle(subscriber)
        let reader = Thread { [received, stopReading, readerDone] in
            defer { readerDone.append(true) }
            while true {
                if let event = try? box.subscriber.receive(timeoutMilliseconds: 200) {
                    received.append(event)
                } else if !stopReading.values.isEmpty {
                    return
                }
            }
        }
        reader.start()
        let runner = Thread { [daemon, result] in
            do throws(DaemonError) {
                result.append(.success(try daemon.run { _ in Thread.sleep(forTimeInterval: 0.3) }))
            } catch {
                result.append(.failure(error))
            }
        }
        runner.start()
    }

    var isRunning: Bool { result.values.isEmpty }

    /// Waits for the run to end by itself; nil (and a stopped daemon) on timeout or failure.
    func waitForEnd(timeout: TimeInterval) -> RunSummary? {
        guard result.wait(timeout: timeout, until: { !$0.isEmpty }) else { return stop() }
        finish()
        if case .success(let summary) = result.values.first { return summary }
        return nil
    }

    /// Stops the daemon and the reader; the run's summary, nil if it failed.
    @discardableResult
    func stop() -> RunSummary? {
        daemon.requestStop()
        _ = result.wait(timeout: 10) { !$0.isEmpty }
        finish()
        if case .success(let summary) = result.values.first { return summary }
        return nil
    }

    /// Idempotent: stops the daemon, lets the reader drain, then closes the socket on this thread.
    func finish() {
        daemon.requestStop()
        _ = result.wait(timeout: 10) { !$0.isEmpty }
        guard stopReading.values.isEmpty else { return }
        stopReading.append(true)
        if readerDone.wait(timeout: 10, until: { !$0.isEmpty }) { subscriber.close() }
    }
}

/// The subscriber is used by the reader thread only, until `finish` closes it after the thread returned.
private final class SubscriberHandle: @unchecked Sendable {
    let subscriber: EventSubscriber
    init(_ subscriber: EventSubscriber) { self.subscriber = subscriber }
}

extension Array where Element == ReceivedEvent {
    var health: [HealthEvent] { compactMap { if case .health(let h) = $0.message.event { h } else { nil } } }
    var states: [StateEvent] { compactMap { if case .state(let s) = $0.message.event { s } else { nil } } }
    var sourceNames: [String] { compactMap { if case .source(let s) = $0.message.event { s.name.rawValue } else { nil } } }
    var frameCount: Int { filter { $0.message.envelope.kind == .frame }.count }
}
