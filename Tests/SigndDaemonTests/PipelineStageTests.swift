import SigndBench
import SigndConfig
import SigndDaemon
import XCTest

/// One frame's timestamps give every stage's duration, in one place the loop's `stats` and `signd bench` share.
final class PipelineStageTests: XCTestCase {
    func testDurationsFromOneFramesTimestamps() {
        let withHeads = FrameTimings(index: 7, captureNanos: 1_000, waitStart: 1_500, captured: 2_000, landmarksDone: 32_000,
                                     windowNanos: 100, binaryNanos: 1_200, multiclassNanos: nil, headsDone: 33_500, published: 34_000)
        let durations = withHeads.durations
        XCTAssertEqual(durations.map(\.0), [.capture, .landmarks, .window, .binary, .publish, .captureToPublish],
                       "a head that did not run has no entry")
        XCTAssertEqual(durations.map(\.1), [500, 30_000, 100, 1_200, 500, 33_000])
        let noHeads = FrameTimings(index: 0, captureNanos: 10, waitStart: 10, captured: 20, landmarksDone: 30, windowNanos: nil,
                                   binaryNanos: nil, multiclassNanos: nil, headsDone: 30, published: 40)
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
