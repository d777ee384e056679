import Foundation
import SigndHeads
import SigndTestSupport
import XCTest

/// The smoother and the segment tracker on the cases the Python twin (`Training/signstgcn/decision.py`, used
/// by the detector evaluation to sweep thresholds) is tested on too: `Tests/Fixtures/decision/cases.json`.
final class DecisionCasesTests: XCTestCase {
    private struct Cases: Decodable {
        struct Params: Decodable {
            let smoothing_alpha: Double
            let enter_threshold: Double
            let exit_threshold: Double
            let min_start_frames: Int
            let min_end_frames: Int
            let confirm_frames: Int?
        }
        struct Segment: Decodable, Equatable {
            let start: Int
            let emitted: Int
            let last: Int
            let ended_by: String
            /// The `confirm` event's frame (cases with confirm_frames); nil when unconfirmed or not asked for.
            let confirmed: Int?
        }
        struct Case: Decodable {
            let name: String
            let params: Params
            let raw: [Double?]
            let segments: [Segment]
        }
        let cases: [Case]
    }

    func testSharedCases() throws {
        let url = TestPaths.fixtures.appendingPathComponent("decision/cases.json")
        let cases = try JSONDecoder().decode(Cases.self, from: Data(contentsOf: url)).cases
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        for c in cases {
            var smoother = try EMASmoother(alpha: c.params.smoothing_alpha)
            var tracker = try SegmentTracker(parameters: .init(
                enterThreshold: c.params.enter_threshold, exitThreshold: c.params.exit_threshold,
                minStartFrames: c.params.min_start_frames, minEndFrames: c.params.min_end_frames, updateIntervalFrames: 0,
                confirmFrames: c.params.confirm_frames ?? 0))
            var got: [Cases.Segment] = []
            var open: (start: Int, emitted: Int)?
            var confirmedAt: Int?
            func record(_ transitions: [SegmentTracker.Transition], endedBy: String) {
                for t in transitions {
                    switch t.phase {
                    case .start: open = (t.start.frame, t.at.frame); confirmedAt = nil
                    case .confirm: confirmedAt = t.at.frame
                    case .end:
                        if let o = open, let s = t.summary {
                            XCTAssertEqual(t.confirmed, c.params.confirm_frames.map { _ in confirmedAt != nil }, c.name)
                            got.append(.init(start: o.start, emitted: o.emitted, last: s.last.frame, ended_by: endedBy,
                                             confirmed: confirmedAt))
                        }
                        open = nil
                    case .update: break
                    }
                }
            }
            // The daemon steps only frames that completed a window (null in the file).
            for (frame, raw) in c.raw.enumerated() {
                guard let raw else { continue }
                let p = smoother.step(raw)
                record(tracker.step(.init(frame: frame, nanos: UInt64(frame) * 33_333_333), probability: p), endedBy: "exit")
            }
            record(tracker.close(), endedBy: "close")
            XCTAssertEqual(got, c.segments, c.name)
        }
    }
}
