import Foundation
import SigndCapture
import SigndCore
import SigndTestSupport
import XCTest

/// A real RTSP server on loopback (GStreamer) is consumed, killed and restarted; the capture detects the
/// loss within its read timeout, reconnects with backoff and keeps counting frames.
final class LiveCaptureTests: XCTestCase {
    private let serverScript = TestPaths.packageRoot.appendingPathComponent("Tests/Scripts/rtsp_server.py").path

    private func startServer(port: Int) throws -> BackgroundProcess {
        let server = try BackgroundProcess("/usr/bin/python3", [serverScript, "--port", String(port)])
        guard server.waitForLine(containing: "ready", timeout: 10) else {
            throw SetupRequirement.missing("the GStreamer RTSP server did not start (python3-gi and gir1.2-gst-rtsp-server-1.0 are installed by .ci/run)")
        }
        return server
    }

    /// A capture of the test server's stream with short timeouts, recording its lifecycle events.
    private func rtspCapture(port: Int, maxAttempts: Int? = nil) throws -> (LiveCapture, Recorder<CaptureEvent>) {
        let events = Recorder<CaptureEvent>()
        let capture = LiveCapture(
            try SourceSpec(parsing: "rtsp://127.0.0.1:\(port)/test"),
            timeouts: CaptureTimeouts(openMillis: 3000, readMillis: 1500),
            reconnect: ReconnectPolicy(initialDelayMillis: 200, maxDelayMillis: 1000, maxAttempts: maxAttempts),
            onEvent: { events.append($0) }
        )
        return (capture, events)
    }

    func testRTSPLossIsDetectedAndRecovered() throws {
        let port = freeTCPPort()
        var server = try startServer(port: port)
        let (capture, events) = try rtspCapture(port: port)
        XCTAssertNil(try capture.start(), "a live source opens on the grab thread")
        XCTAssertTrue(events.wait(timeout: 10) { $0.contains { if case .opened = $0 { true } else { false } } })
        guard case .opened(let info)? = events.values.first else { return XCTFail("first event: \(events.values)") }
        XCTAssertEqual(info.width, 320)
        XCTAssertEqual(info.height, 240)

        var before: [Int] = [], epochs: Set<Int> = []
        let collectUntil = Date().addingTimeInterval(10)
        while before.count < 10, Date() < collectUntil {
            if let frame = capture.nextFrame(timeout: .seconds(1)) { before.append(frame.stamp.index); epochs.insert(frame.stamp.epoch) }
        }
        XCTAssertEqual(epochs, [0], "the first run of the source is epoch 0")
        XCTAssertGreaterThanOrEqual(before.count, 10, "frames from the live RTSP source")
        XCTAssertEqual(before, before.sorted())

        server.stop()
        XCTAssertTrue(events.wait(timeout: 8) { $0.contains { if case .lost = $0 { true } else { false } } },
                      "loss reported within the read timeout: \(events.values)")
        XCTAssertTrue(events.wait(timeout: 5) { $0.contains { if case .reconnecting = $0 { true } else { false } } })

        server = try startServer(port: port)
        XCTAssertTrue(events.wait(timeout: 15) { $0.contains { if case .reconnected = $0 { true } else { false } } },
                      "reconnected after the server came back: \(events.values)")
        var after: [Int] = [], afterEpochs: [Int] = []
        let resumeUntil = Date().addingTimeInterval(10)
        while after.count < 5, Date() < resumeUntil {
            if let frame = capture.nextFrame(timeout: .seconds(1)) { after.append(frame.stamp.index); afterEpochs.append(frame.stamp.epoch) }
        }
        // The restart travels with the frames; at most the old run's last frame, left in the slot, precedes them.
        XCTAssertLessThanOrEqual(afterEpochs.prefix { $0 == 0 }.count, 1, "\(afterEpochs)")
        XCTAssertEqual(Set(afterEpochs.drop { $0 == 0 }), [1], "frames after the reconnection are epoch 1: \(afterEpochs)")
        XCTAssertGreaterThanOrEqual(after.count, 5, "frames flow again after reconnection")
        XCTAssertGreaterThan(after.first ?? -1, before.last ?? .max, "frame indices keep counting across reconnects")
        capture.stop()
        server.stop()
    }

    /// A server that hangs (stopped, socket still open) is detected by the read timeout, not after OpenCV's
    /// 30 s default.
    func testHungServerIsDetectedByReadTimeout() throws {
        let port = freeTCPPort()
        let server = try startServer(port: port)
        let (capture, events) = try rtspCapture(port: port, maxAttempts: 1)
        try capture.start()
        XCTAssertNotNil(capture.nextFrame(timeout: .seconds(5)))
        kill(server.process.processIdentifier, SIGSTOP)
        defer { kill(server.process.processIdentifier, SIGCONT); server.stop() }
        let stalledAt = Date()
        XCTAssertTrue(events.wait(timeout: 12) { $0.contains { if case .lost = $0 { true } else { false } } },
                      "a hung stream is reported as lost: \(events.values)")
        XCTAssertLessThan(Date().timeIntervalSince(stalledAt), 12)
        capture.stop()
    }

    /// A stream that is not there yet at start (an NVR that boots slower than the kiosk) is not a failed
    /// start: it is reported lost, retried with backoff, and opened once the server appears.
    func testStreamAbsentAtStartIsRetriedUntilItAppears() throws {
        let port = freeTCPPort()  // nothing listens here yet
        let (capture, events) = try rtspCapture(port: port)
        XCTAssertNil(try capture.start(), "nothing to report yet")
        XCTAssertTrue(events.wait(timeout: 10) { $0.contains { if case .reconnecting = $0 { true } else { false } } },
                      "retried: \(events.values)")
        guard case .lost(let reason, nil)? = events.values.first else { return XCTFail("first event: \(events.values)") }
        XCTAssertTrue(reason.contains("\(port)"), reason)
        XCTAssertTrue(reason.contains("refused"), "the cause, not just 'could not open': \(reason)")
        let server = try startServer(port: port)
        defer { server.stop() }
        XCTAssertTrue(events.wait(timeout: 20) { $0.contains { if case .opened = $0 { true } else { false } } },
                      "opened once the server is up: \(events.values)")
        XCTAssertNotNil(capture.nextFrame(timeout: .seconds(10)), "frames flow")
        XCTAssertFalse(events.values.contains { if case .failed = $0 { true } else { false } })
        capture.stop()
    }

    /// With `max_attempts`, a stream that never comes is given up: `failed`, and the capture finishes.
    func testAbsentStreamIsGivenUpAfterMaxAttempts() throws {
        let (capture, events) = try rtspCapture(port: freeTCPPort(), maxAttempts: 2)
        XCTAssertNil(try capture.start())
        XCTAssertTrue(events.wait(timeout: 20) { $0.contains { if case .failed = $0 { true } else { false } } }, "\(events.values)")
        XCTAssertNotNil(events.values.first { if case .lost = $0 { true } else { false } })
        let deadline = Date().addingTimeInterval(5)
        while !capture.isFinished, Date() < deadline { _ = capture.nextFrame(timeout: .milliseconds(100)) }
        XCTAssertTrue(capture.isFinished)
        XCTAssertEqual(events.values.filter { if case .reconnecting = $0 { true } else { false } }.count, 2)
    }

    /// `wake()` ends a consumer's wait for a frame that is not coming (an absent stream, retried), whether it
    /// comes during the wait or before it; the wait after that waits again.
    func testWakeEndsTheWaitForAFrame() throws {
        let (capture, _) = try rtspCapture(port: freeTCPPort())
        XCTAssertNil(try capture.start())
        defer { capture.stop() }
        let returned = Recorder<Frame?>()
        let consumer = Thread { returned.append(capture.nextFrame(timeout: .seconds(120))) }
        consumer.start()
        Thread.sleep(forTimeInterval: 0.3)  // let it wait; if it has not yet, the wake still ends its wait
        capture.wake()
        XCTAssertTrue(returned.wait(timeout: 30) { !$0.isEmpty }, "a woken wait returns long before its 120 s timeout")
        XCTAssertEqual(returned.values.count, 1)
        XCTAssertNil(returned.values.first ?? nil, "no frame: the stream is absent")
        capture.wake()  // before the wait: the next wait returns at once
        XCTAssertNil(capture.nextFrame(timeout: .seconds(120)))
        XCTAssertNil(capture.nextFrame(timeout: .milliseconds(300)), "one wake ends one wait")
        XCTAssertFalse(capture.isFinished)
    }

    /// A file that cannot be opened still fails at start: there is nothing to wait for.
    func testMissingFileFailsToStart() {
        let capture = LiveCapture(.file(path: "/nonexistent/clip.mp4"))
        XCTAssertThrowsError(try capture.start()) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/clip.mp4"), "\(error)")
        }
    }

    /// A file played at its native rate through the grab thread ends with an `ended` event and every frame
    /// is either delivered or counted as dropped.
    func testPacedFileEnds() throws {
        let events = Recorder<CaptureEvent>()
        let capture = LiveCapture(.file(path: TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path),
                                  paced: false, onEvent: { events.append($0) })
        try capture.start()
        var taken = 0
        while !capture.isFinished {
            if capture.nextFrame(timeout: .milliseconds(500)) != nil { taken += 1 }
        }
        XCTAssertEqual(taken + capture.droppedFrames, 164)
        XCTAssertTrue(events.values.contains(.ended(frames: 164, truncated: false)), "\(events.values)")
    }

    /// `loop`: a paced file starts again when it ends (as `source.loop` with `source.realtime`): indices keep
    /// increasing past the file's 164 frames, each pass has its own epoch, and `ended`/`opened` mark the seam.
    func testPacedFileLoops() throws {
        let events = Recorder<CaptureEvent>()
        let capture = LiveCapture(.file(path: TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path),
                                  paced: false, loop: true, onEvent: { events.append($0) })
        try capture.start()
        var frames: [FrameStamp] = []
        while frames.last.map({ $0.index < 400 }) ?? true {
            if let frame = capture.nextFrame(timeout: .seconds(5)) { frames.append(frame.stamp) } else { break }
        }
        capture.stop()
        XCTAssertGreaterThanOrEqual(frames.last?.index ?? 0, 400, "past two passes")
        XCTAssertEqual(zip(frames, frames.dropFirst()).filter { $0.index >= $1.index }.count, 0, "indices only increase")
        XCTAssertEqual(Set(frames.map(\.epoch)), [0, 1, 2])
        XCTAssertTrue(frames.allSatisfy { $0.epoch == $0.index / 164 }, "a new epoch at each pass")
        XCTAssertGreaterThanOrEqual(events.values.filter { $0 == .ended(frames: 164, truncated: false) }.count, 2, "\(events.values)")
    }

    /// Once its grab thread has ended the capture is freed with its last reference (its thread's closure
    /// used to capture it strongly: a cycle that leaked the capture and everything `onEvent` captured;
    /// ASan's leak checker reported it at the daemon's exit).
    func testCaptureIsFreedOnceTheGrabThreadEnded() throws {
        final class Token: Sendable {}
        weak var weakCapture: LiveCapture?
        weak var weakToken: Token?
        do {
            let token = Token()
            weakToken = token
            let capture = LiveCapture(.file(path: TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path),
                                      paced: false, onEvent: { _ in _ = token })
            weakCapture = capture
            try capture.start()
            while !capture.isFinished { _ = capture.nextFrame(timeout: .milliseconds(500)) }
        }
        // The grab thread drops its reference just after it marks the capture finished.
        let deadline = Date().addingTimeInterval(5)
        while weakCapture != nil, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertNil(weakCapture, "the capture outlived its grab thread")
        XCTAssertNil(weakToken, "what onEvent captured outlived the capture")
    }
}
