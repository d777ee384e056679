import SigndBench
import SigndConfig
import SigndCore
import SigndDaemon
import XCTest

/// One frame's timestamps give every stage's duration, in one place the loop's `stats` and `signd bench` share.
final class PipelineStageTests: XCTestCase {
    func testDurationsAreMeasuredAroundEachStage() throws {
        var timings = FrameTimings(index: 7, captureNanos: Clock.monotonicNanos())
        timings.set(.capture, nanos: 500)
        let value = timings.measure(.landmarks) { 42 }
        XCTAssertEqual(value, 42, "measure returns the stage's result")
        timings.measure(.window) {}
        timings.measure(.binary) { _ = usleep(2_000) }
        timings.measure(.multiclass) {}
        timings.discard(.multiclass)  // the head did not run on this frame
        timings.measure(.publish) {}
        let durations = timings.durations
        XCTAssertEqual(durations.map(\.0), [.capture, .landmarks, .window, .binary, .publish, .captureToPublish],
                       "a head that did not run has no entry")
        XCTAssertEqual(durations.first?.1, 500)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(timings[.binary]), 2_000_000, "the stage's own time, measured around it")
        let endToEnd = try XCTUnwrap(timings[.captureToPublish])
        XCTAssertGreaterThanOrEqual(endToEnd, try XCTUnwrap(timings[.binary]), "capture_to_publish spans the stages after capture")

        var noHeads = FrameTimings(index: 0, captureNanos: Clock.monotonicNanos())
        noHeads.set(.capture, nanos: 10)
        noHeads.measure(.landmarks) {}
        XCTAssertEqual(noHeads.durations.map(\.0), [.capture, .landmarks], "capture_to_publish ends with the publish stage")
        noHeads.measure(.publish) {}
        XCTAssertEqual(noHeads.durations.map(\.0), [.capture, .landmarks, .publish, .captureToPublish])
        XCTAssertEqual(PipelineBench.stages, PipelineStage.allCases.map(\.rawValue), "bench and stats name the same stages")
    }
}

/// What a SIGHUP applies: one list keeps the keys that need a restart at their running values and names those
/// that changed.
final class ConfigReloadSplitTests: XCTestCase {
    func testRestartOnlyKeysAreKeptAndNamedOthersApplied() {
        var running = SigndConfiguration()
        running.source.uri = "rtsp://cam/one"
        var file = running
        file.source.uri = "rtsp://cam/two"
        file.heads.stride = 2
        file.heads.enterThreshold = 0.8
        file.events.endpoints = ["ipc:///tmp/other"]
        file.logLevel = .debug
        let (applied, pending) = ConfigReloader.split(running: running, file: file)
        XCTAssertEqual(pending, ["source", "heads.stride"])
        XCTAssertEqual(applied.source, running.source)
        XCTAssertEqual(applied.heads.stride, running.heads.stride)
        XCTAssertEqual(applied.heads.enterThreshold, 0.8)
        XCTAssertEqual(applied.events.endpoints, ["ipc:///tmp/other"])
        XCTAssertEqual(applied.logLevel, .debug)
        XCTAssertEqual(ConfigReloader.split(running: running, file: running).pending, [], "nothing changed, nothing pending")
    }
}
