import SigndEvents
import SigndMetrics
import XCTest

/// How each event kind maps to series, through the real registry's exposition text.
final class MetricsExporterTests: XCTestCase {
    private func values(_ exporter: MetricsExporter) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in String(decoding: exporter.exposition(), as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            if let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) { out[String(line[..<space])] = value }
        }
        return out
    }

    private func stats(framesIn: UInt64, dropped: UInt64, stages: [StatsEvent.Stage] = []) -> StatsEvent {
        StatsEvent(intervalSeconds: 1, fpsIn: 30, fpsOut: 29, framesIn: framesIn, framesOut: framesIn, droppedFrames: dropped,
                   stages: stages, publishDrops: 0, uptimeSeconds: 1)
    }

    func testSourceEventsMoveTheOneHotStateAndCountReconnects() {
        let exporter = MetricsExporter(camera: "c", stages: ["landmarks"], version: "test")
        XCTAssertEqual(values(exporter)["signd_source_state{camera=\"c\",state=\"opening\"}"], 1)
        let sequence: [(SourceEvent, String)] = [
            (.opened(width: 640, height: 480, fps: 30), "open"), (.lost(message: "timeout"), "reconnecting"),
            (.reconnecting(attempt: 1, backoffMillis: 500), "reconnecting"), (.reconnected(attempt: 1), "open"),
            (.error(message: "gave up"), "failed"), (.ended, "ended"),
        ]
        for (event, expected) in sequence {
            exporter.observe(.source(event), frame: nil)
            let v = values(exporter)
            for state in ["opening", "open", "reconnecting", "ended", "failed"] {
                XCTAssertEqual(v["signd_source_state{camera=\"c\",state=\"\(state)\"}"], state == expected ? 1 : 0, "\(event) → \(state)")
            }
        }
        XCTAssertEqual(values(exporter)["signd_source_reconnect_attempts_total{camera=\"c\"}"], 1)
        XCTAssertEqual(values(exporter)["signd_source_reconnects_total{camera=\"c\"}"], 1)
    }

    func testHealthSetsStatusAndReasons() {
        let exporter = MetricsExporter(camera: "c", stages: [], version: "test")
        exporter.observe(.health(HealthEvent(status: .degraded, message: "x", reasons: [.framesDropped, .windowsReset])), frame: nil)
        var v = values(exporter)
        XCTAssertEqual(v["signd_health_status{camera=\"c\",status=\"degraded\"}"], 1)
        XCTAssertEqual(v["signd_health_status{camera=\"c\",status=\"ok\"}"], 0)
        XCTAssertEqual(v["signd_health_reason{camera=\"c\",reason=\"frames_dropped\"}"], 1)
        XCTAssertEqual(v["signd_health_reason{camera=\"c\",reason=\"windows_reset\"}"], 1)
        XCTAssertEqual(v["signd_health_reason{camera=\"c\",reason=\"source_failed\"}"], 0)
        exporter.observe(.health(HealthEvent(status: .ok)), frame: nil)
        v = values(exporter)
        XCTAssertEqual(v["signd_health_status{camera=\"c\",status=\"ok\"}"], 1)
        XCTAssertEqual(v["signd_health_reason{camera=\"c\",reason=\"frames_dropped\"}"], 0)
    }

    /// Totals become counter steps; stage samples wait for the stats event that counts them.
    func testCountersFollowStatsTotalsAndDurationsWaitForThem() {
        let exporter = MetricsExporter(camera: "c", stages: ["landmarks"], version: "test")
        exporter.record(stage: "landmarks", nanos: 3_000_000)
        exporter.record(stage: "landmarks", nanos: 40_000_000)
        XCTAssertEqual(values(exporter)["signd_stage_duration_seconds_count{camera=\"c\",stage=\"landmarks\"}"], 0, "not before the stats event")
        exporter.observe(.stats(stats(framesIn: 10, dropped: 2)), frame: nil)
        var v = values(exporter)
        XCTAssertEqual(v["signd_frames_in_total{camera=\"c\"}"], 10)
        XCTAssertEqual(v["signd_frames_dropped_total{camera=\"c\"}"], 2)
        XCTAssertEqual(v["signd_stage_duration_seconds_count{camera=\"c\",stage=\"landmarks\"}"], 2)
        XCTAssertEqual(v["signd_stage_duration_seconds_bucket{camera=\"c\",stage=\"landmarks\",le=\"0.005\"}"], 1)
        XCTAssertEqual(v["signd_stage_duration_seconds_bucket{camera=\"c\",stage=\"landmarks\",le=\"0.05\"}"], 2)
        XCTAssertEqual(v["signd_fps_in{camera=\"c\"}"], 30)
        exporter.observe(.stats(stats(framesIn: 25, dropped: 2)), frame: nil)
        v = values(exporter)
        XCTAssertEqual(v["signd_frames_in_total{camera=\"c\"}"], 25)
        XCTAssertEqual(v["signd_stage_duration_seconds_count{camera=\"c\",stage=\"landmarks\"}"], 2, "each sample counted once")
    }

    func testSegmentsSigningAndSignsFollowTheirEvents() {
        let exporter = MetricsExporter(camera: "c", stages: [], version: "test")
        let start = StateEvent(phase: .start, segment: 0, startFrame: 24, startMonoNanos: 0, startWall: 0, durationMillis: 0, probability: 0.9)
        exporter.observe(.state(start), frame: 26)
        exporter.observe(.sign(SignEvent(label: "hello", score: 0.7, top: [.init(label: "hello", score: 0.7), .init(label: "thankyou", score: 0.2)],
                                         windowStartFrame: 2, windowEndFrame: 26, segment: 0)), frame: 26)
        exporter.observe(.sign(SignEvent(label: SignEvent.unknown, score: 0.4, top: [.init(label: "thankyou", score: 0.4)],
                                         windowStartFrame: 7, windowEndFrame: 31, segment: 0)), frame: 31)
        var v = values(exporter)
        XCTAssertEqual(v["signd_signing{camera=\"c\"}"], 1)
        XCTAssertEqual(v["signd_segments_started_total{camera=\"c\"}"], 1)
        XCTAssertEqual(v["signd_signs_total{camera=\"c\",label=\"hello\"}"], 1)
        XCTAssertNil(v["signd_signs_total{camera=\"c\",label=\"thankyou\"}"], "only the answer counts")
        XCTAssertEqual(v["signd_signs_total{camera=\"c\",label=\"unknown\"}"], 1, "an unknown answer counts as unknown")
        var end = start
        end.phase = .end
        exporter.observe(.state(end), frame: 63)
        v = values(exporter)
        XCTAssertEqual(v["signd_signing{camera=\"c\"}"], 0)
        XCTAssertEqual(v["signd_segments_started_total{camera=\"c\"}"], 1)
        XCTAssertEqual(v["signd_segments_confirmed_total{camera=\"c\"}"], 0)
        var confirm = start
        confirm.phase = .confirm
        confirm.confirmed = true
        exporter.observe(.state(confirm), frame: 49)
        XCTAssertEqual(values(exporter)["signd_segments_confirmed_total{camera=\"c\"}"], 1)
    }
}
