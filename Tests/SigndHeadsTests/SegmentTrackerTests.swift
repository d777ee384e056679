import SigndHeads
import XCTest

/// The state machine on hand-made probability sequences: one scored frame per index, 40 ms apart.
final class SegmentTrackerTests: XCTestCase {
    private func run(_ ps: [Double], _ parameters: SegmentTracker.Parameters, closeAtEnd: Bool = false) throws -> [SegmentTracker.Transition] {
        var tracker = try SegmentTracker(parameters: parameters)
        var out: [SegmentTracker.Transition] = []
        for (i, p) in ps.enumerated() {
            out += tracker.step(.init(frame: i, nanos: UInt64(i) * 40_000_000), probability: p)
        }
        if closeAtEnd { out += tracker.close() }
        return out
    }

    private func summary(_ t: [SegmentTracker.Transition]) -> [String] {
        t.map { "\($0.phase.rawValue) seg\($0.segment) start\($0.start.frame) at\($0.at.frame)" + ($0.summary.map { " last\($0.last.frame)" } ?? "") }
    }

    func testStartNeedsMinFramesAndNamesFirstFrame() throws {
        let params = SegmentTracker.Parameters(enterThreshold: 0.6, exitThreshold: 0.4, minStartFrames: 3, minEndFrames: 2, updateIntervalFrames: 0)
        // Two frames above enter are not enough; the run of three starting at frame 4 is.
        let ps: [Double] = [0.1, 0.7, 0.7, 0.2, 0.7, 0.8, 0.9, 0.9, 0.3, 0.3, 0.1]
        let t = try run(ps, params)
        XCTAssertEqual(summary(t), ["start seg0 start4 at6", "end seg0 start4 at9 last7"])
        let end = try XCTUnwrap(t.last?.summary)
        XCTAssertEqual(end.frames, 4)
        XCTAssertEqual(end.durationNanos, 3 * 40_000_000)
        XCTAssertEqual(end.maxProbability, 0.9)
        XCTAssertEqual(end.meanProbability, (0.7 + 0.8 + 0.9 + 0.9) / 4, accuracy: 1e-12)
    }

    func testHysteresisKeepsSegmentBetweenThresholds() throws {
        let params = SegmentTracker.Parameters(enterThreshold: 0.6, exitThreshold: 0.4, minStartFrames: 1, minEndFrames: 1, updateIntervalFrames: 0)
        // 0.5 is below enter but above exit: neither starts from idle nor ends a segment.
        let t = try run([0.5, 0.5, 0.65, 0.5, 0.45, 0.5, 0.39, 0.5, 0.55], params)
        XCTAssertEqual(summary(t), ["start seg0 start2 at2", "end seg0 start2 at6 last5"])
    }

    func testShortDipDoesNotEndSegment() throws {
        let params = SegmentTracker.Parameters(enterThreshold: 0.6, exitThreshold: 0.4, minStartFrames: 1, minEndFrames: 3, updateIntervalFrames: 0)
        let t = try run([0.9, 0.9, 0.1, 0.1, 0.9, 0.1, 0.1, 0.1, 0.1], params)
        XCTAssertEqual(summary(t), ["start seg0 start0 at0", "end seg0 start0 at7 last4"])
        // The dip at frames 2–3 counts towards the segment's mean.
        XCTAssertEqual(try XCTUnwrap(t.last?.summary).meanProbability, (0.9 + 0.9 + 0.1 + 0.1 + 0.9) / 5, accuracy: 1e-12)
    }

    func testPeriodicUpdatesAndSegmentNumbering() throws {
        let params = SegmentTracker.Parameters(enterThreshold: 0.5, exitThreshold: 0.5, minStartFrames: 2, minEndFrames: 1, updateIntervalFrames: 3)
        let ps: [Double] = [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.0, 0.9, 0.9, 0.0]
        let t = try run(ps, params)
        XCTAssertEqual(summary(t), [
            "start seg0 start0 at1", "update seg0 start0 at4", "update seg0 start0 at7", "end seg0 start0 at8 last7",
            "start seg1 start9 at10", "end seg1 start9 at11 last10",
        ])
    }

    func testCloseEndsOpenSegmentAtLastFrame() throws {
        let params = SegmentTracker.Parameters(enterThreshold: 0.6, exitThreshold: 0.4, minStartFrames: 2, minEndFrames: 5, updateIntervalFrames: 0)
        XCTAssertEqual(summary(try run([0.1, 0.8, 0.8, 0.8], params, closeAtEnd: true)), ["start seg0 start1 at2", "end seg0 start1 at3 last3"])
        // A pending below-exit run is not part of the segment.
        XCTAssertEqual(summary(try run([0.8, 0.8, 0.8, 0.1, 0.1], params, closeAtEnd: true)), ["start seg0 start0 at1", "end seg0 start0 at4 last2"])
        // Idle or a pending start: nothing to close.
        XCTAssertEqual(summary(try run([0.1, 0.8], params, closeAtEnd: true)), [])
    }

    func testConfirmationFollowsALongEnoughRunOnce() throws {
        let params = SegmentTracker.Parameters(enterThreshold: 0.6, exitThreshold: 0.4, minStartFrames: 2, minEndFrames: 2,
                                               updateIntervalFrames: 0, confirmFrames: 4)
        // Segment 0: start on frame 1 (tentative), a dip to 0.5 (between the thresholds) restarts the count,
        // confirmed on frame 7 (frames 4–7 ≥ enter), never again. Segment 1: a burst of three frames, unconfirmed.
        let ps: [Double] = [0.9, 0.9, 0.9, 0.5, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.9, 0.9, 0.9, 0.1, 0.1]
        let t = try run(ps, params)
        XCTAssertEqual(summary(t), ["start seg0 start0 at1", "confirm seg0 start0 at7", "end seg0 start0 at11 last9",
                                    "start seg1 start12 at13", "end seg1 start12 at16 last14"])
        XCTAssertEqual(t.map(\.confirmed), [false, true, true, false, false])
        // Without confirmation nothing says `confirmed`, and the segments are the same.
        let plain = try run(ps, .init(enterThreshold: 0.6, exitThreshold: 0.4, minStartFrames: 2, minEndFrames: 2, updateIntervalFrames: 0))
        XCTAssertEqual(summary(plain), summary(t.filter { $0.phase != .confirm }))
        XCTAssertTrue(plain.allSatisfy { $0.confirmed == nil })
    }

    func testOpenSegmentSaysWhetherItIsConfirmed() throws {
        var tracker = try SegmentTracker(parameters: .init(minStartFrames: 1, minEndFrames: 1, updateIntervalFrames: 0, confirmFrames: 2))
        var seen: [Bool?] = []
        for (i, p) in [0.1, 0.9, 0.9, 0.9, 0.1].enumerated() {
            _ = tracker.step(.init(frame: i, nanos: 0), probability: p)
            seen.append(tracker.openSegmentConfirmed)
        }
        XCTAssertEqual(seen, [nil, false, true, true, nil])
        var plain = try SegmentTracker(parameters: .init(minStartFrames: 1))
        _ = plain.step(.init(frame: 0, nanos: 0), probability: 0.9)
        XCTAssertNotNil(plain.openSegment)
        XCTAssertNil(plain.openSegmentConfirmed, "confirmation off")
    }

    func testConfirmationAndUpdateOnOneFrameAndAtClose() throws {
        let params = SegmentTracker.Parameters(enterThreshold: 0.6, exitThreshold: 0.4, minStartFrames: 1, minEndFrames: 5,
                                               updateIntervalFrames: 3, confirmFrames: 4)
        let t = try run([0.9, 0.9, 0.9, 0.9, 0.9], params, closeAtEnd: true)
        XCTAssertEqual(summary(t), ["start seg0 start0 at0", "confirm seg0 start0 at3", "update seg0 start0 at3", "end seg0 start0 at4 last4"])
        XCTAssertEqual(t.last?.confirmed, true)
        let short = try run([0.9, 0.9], params, closeAtEnd: true)
        XCTAssertEqual(short.map(\.confirmed), [false, false])
    }

    func testInvalidParametersNameTheKey() {
        XCTAssertThrowsError(try SegmentTracker(parameters: .init(minStartFrames: 3, confirmFrames: 3))) {
            XCTAssertTrue("\($0)".contains("heads.confirm_frames") && "\($0)".contains("more than min_start_frames (3)"), "\($0)")
        }
        XCTAssertThrowsError(try SegmentTracker(parameters: .init(enterThreshold: 0.3, exitThreshold: 0.5))) {
            XCTAssertTrue("\($0)".contains("heads.exit_threshold"), "\($0)")
        }
        XCTAssertThrowsError(try SegmentTracker(parameters: .init(minStartFrames: 0))) {
            XCTAssertTrue("\($0)".contains("heads.min_start_frames"), "\($0)")
        }
        XCTAssertThrowsError(try EMASmoother(alpha: 0)) { XCTAssertTrue("\($0)".contains("smoothing_alpha")) }
    }

    func testEMASmoother() throws {
        var s = try EMASmoother(alpha: 0.5)
        XCTAssertEqual(s.step(1.0), 1.0)
        XCTAssertEqual(s.step(0.0), 0.5)
        XCTAssertEqual(s.step(0.0), 0.25)
        XCTAssertEqual(s.step(.nan), 0.25, "NaN holds the value")
        s.reset()
        XCTAssertEqual(s.step(0.2), 0.2)
    }
}
