import Foundation
import SigndEval
import SigndHeads
import SigndTestSupport
import XCTest

/// `Tests/Fixtures/eval` through the heads with the fixture binary model. Each video has one probability
/// (pattern A: 0.8220, nobody: 0.4644), so with the default thresholds (enter 0.6, exit 0.4, 3 frames to
/// start) every metric follows by hand:
///
/// * windows: a_signing 16 (T 40 − 24) positive at 0.822; b_idle 6 negative at 0.464; c_false_alarm 6
///   negative at 0.822. Threshold 0.6: tp 16, fp 6, fn 0, tn 6 → P = 16/22, R = 1, F1 = 32/38.
///   AP: one threshold group at 0.822 reaches R = 1 with P = 16/22, so PR-AUC = 16/22.
/// * frames (window centres 12…): the same 16 / 6 / 6 samples.
/// * events: a_signing's truth is frames 2–39. The first window ends at frame 24, so the segment starts
///   at 24 and `start` is emitted at 26 (3rd frame ≥ 0.6): onset delay 24 frames = 800 ms at 30 fps; it is
///   closed at the end of the file (frame 39 = the true offset): offset delay 0. c_false_alarm's segment
///   is a false alarm; b_idle never starts (0.464 < 0.6).
///
/// Generator of the .npz files (numpy, np.savez_compressed): pattern A = pose x = 0.9 − 0.02·j,
/// y = 0.9 − 0.01·j (z 0, visibility 0), both hands x = 0.9 − 0.02·k, y = 0.9 − 0.01·k; "nobody" = NaN.
final class EvalFixtureTests: XCTestCase {
    func testFixtureMetricsAreTheHandComputedOnes() throws {
        let binary = try LoadedHead.load(stem: TestPaths.fixtures.appendingPathComponent("stgcn/additive_binary_j75_c2/model").path)
        let pipeline = try HeadPipeline(binary: binary, multiclass: nil, settings: HeadSettings(), face: .landmarkStage(face: false))
        var options = EvalOptions()
        options.threshold = 0.6
        let evaluator = Evaluator(pipeline: pipeline, options: options)
        let dir = TestPaths.fixtures.appendingPathComponent("eval")
        let gt = try GroundTruth.load(dir.appendingPathComponent("groundtruth.txt"))
        var progress: [Int] = []
        let (report, runs) = try evaluator.evaluate(directory: dir, groundTruth: gt) { done, _ in progress.append(done) }
        XCTAssertEqual(progress, [1, 2, 3])
        XCTAssertEqual(runs.map(\.video), ["a_signing", "b_idle", "c_false_alarm"], "not_present has no .npz")
        XCTAssertEqual(Set(runs[0].scores.map(\.raw)).count, 1)
        XCTAssertEqual(runs[0].scores[0].raw, 0.8220, accuracy: 1e-4)
        XCTAssertEqual(runs[1].scores[0].raw, 0.4644, accuracy: 1e-4)

        for m in [report.window, report.frame] {
            XCTAssertEqual(m.samples, 28)
            XCTAssertEqual(m.positives, 16)
            XCTAssertEqual([m.truePositives, m.falsePositives, m.falseNegatives, m.trueNegatives], [16, 6, 0, 6])
            XCTAssertEqual(m.precision, 16.0 / 22.0, accuracy: 1e-12)
            XCTAssertEqual(m.recall, 1)
            XCTAssertEqual(m.f1, 32.0 / 38.0, accuracy: 1e-12)
            XCTAssertEqual(m.prAUC!, 16.0 / 22.0, accuracy: 1e-12)
        }
        let e = report.events
        XCTAssertEqual([e.groundTruthSegments, e.detectedSegments, e.matched, e.missed, e.falseAlarms], [1, 2, 1, 0, 1])
        XCTAssertEqual(e.onsetDelayFrames.mean, 24)
        XCTAssertEqual(e.onsetDelayMillis.mean!, 800, accuracy: 1e-9)
        XCTAssertEqual(e.offsetDelayFrames.mean, 0)
        XCTAssertEqual(report.perVideo.map(\.windows), [16, 6, 6])
        XCTAssertEqual(report.perVideo.map(\.detectedSegments), [1, 0, 1])
        XCTAssertNil(report.multiclass)

        // The plots are real PNGs.
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("signd-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        try EvalPlots.timeline(runs[0], groundTruth: gt, sets: options.sets, threshold: 0.6, to: out.appendingPathComponent("a.png"))
        try EvalPlots.prCurves(window: evaluator.windowSamples(runs[0], gt), frame: [], to: out.appendingPathComponent("pr.png"))
        for name in ["a.png", "pr.png"] {
            let data = try Data(contentsOf: out.appendingPathComponent(name))
            XCTAssertEqual(Array(data.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "\(name) is a PNG")
        }
        XCTAssertThrowsError(try EvalPlots.timeline(runs[0], groundTruth: gt, sets: options.sets, threshold: 0.6,
                                                    to: URL(fileURLWithPath: "/nonexistent-dir/x.png")))
    }

    /// With `confirm_frames` the events are also scored as a subscriber to `confirm` sees them. By hand, with
    /// P = 0.822 from each video's first window (frame 24) on: N = 10 confirms a_signing's segment on frame 33
    /// (24 … 33), an onset of 33 − 2 = 31 frames; c_false_alarm's window run (24 … 29) is too short, so its
    /// tentative segment is no false alarm to a `confirm` subscriber. N = 20 would need frames up to 43 and
    /// a_signing has 40: nothing is confirmed and its true segment is missed.
    func testConfirmedEventsCountConfirmedSegmentsFromTheirConfirm() throws {
        let binary = try LoadedHead.load(stem: TestPaths.fixtures.appendingPathComponent("stgcn/additive_binary_j75_c2/model").path)
        let dir = TestPaths.fixtures.appendingPathComponent("eval")
        let gt = try GroundTruth.load(dir.appendingPathComponent("groundtruth.txt"))
        func report(confirmFrames: Int) throws -> EvalReport {
            var settings = HeadSettings()
            settings.segments.confirmFrames = confirmFrames
            let pipeline = try HeadPipeline(binary: binary, multiclass: nil, settings: settings, face: .landmarkStage(face: false))
            return try Evaluator(pipeline: pipeline, options: EvalOptions()).evaluate(directory: dir, groundTruth: gt).0
        }
        let off = try report(confirmFrames: 0)
        XCTAssertNil(off.confirmedEvents, "confirmation off: no confirmed figures")
        XCTAssertEqual(off.perVideo.map(\.confirmedSegments), [nil, nil, nil])

        let ten = try report(confirmFrames: 10)
        XCTAssertEqual(ten.events, off.events, "the start events do not change")
        let c = try XCTUnwrap(ten.confirmedEvents)
        XCTAssertEqual([c.groundTruthSegments, c.detectedSegments, c.matched, c.missed, c.falseAlarms], [1, 1, 1, 0, 0])
        XCTAssertEqual(c.onsetDelayFrames.mean, 31)
        XCTAssertEqual(c.onsetDelayMillis.mean!, 31 * 1000 / 30, accuracy: 1e-9)
        XCTAssertEqual(c.offsetDelayFrames.mean, 0)
        XCTAssertEqual(ten.perVideo.map(\.confirmedSegments), [1, 0, 0])
        XCTAssertEqual(ten.perVideo.map(\.detectedSegments), [1, 0, 1])

        let twenty = try XCTUnwrap(try report(confirmFrames: 20).confirmedEvents)
        XCTAssertEqual([twenty.groundTruthSegments, twenty.detectedSegments, twenty.matched, twenty.missed, twenty.falseAlarms], [1, 0, 0, 1, 0])
        XCTAssertNil(twenty.onsetDelayFrames.mean)
    }

    func testMulticlassTopKWithVideoLabels() throws {
        let stgcn = TestPaths.fixtures.appendingPathComponent("stgcn")
        let binary = try LoadedHead.load(stem: stgcn.appendingPathComponent("additive_binary_j75_c2/model").path)
        let multi = try LoadedHead.load(stem: stgcn.appendingPathComponent("additive_c100_j75_c2/model").path)
        let pipeline = try HeadPipeline(binary: binary, multiclass: multi, settings: HeadSettings(), face: .landmarkStage(face: false))
        let dir = TestPaths.fixtures.appendingPathComponent("eval")
        let gt = try GroundTruth.load(dir.appendingPathComponent("groundtruth.txt"))
        // Find what the head predicts for pattern A, then name a_signing's class after it and c's after another.
        var options = EvalOptions()
        let probe = try Evaluator(pipeline: pipeline, options: options).run(video: "a_signing", file: dir.appendingPathComponent("a_signing.npz"))
        let predicted = try XCTUnwrap(probe.signs.first { !$0.isSegmentSummary }).top[0].label
        let other = multi.model.manifest.labels.first { $0 != predicted }!
        options.videoClasses = ["a_signing": predicted, "b_idle": predicted, "c_false_alarm": other, "not_present": "zzz"]
        let (report, _) = try Evaluator(pipeline: pipeline, options: options).evaluate(directory: dir, groundTruth: gt)
        let m = try XCTUnwrap(report.multiclass)
        XCTAssertEqual(m.videos, 3)
        XCTAssertEqual(m.outsideLabels, 0, "not_present has no .npz, so it is not evaluated at all")
        XCTAssertEqual(m.withoutPrediction, 1, "b_idle never signs, so never classified")
        XCTAssertEqual(m.top1, 1.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(m.confusions.map(\.pair), ["\(other) → \(predicted)"])
    }

    /// The open-set figures score each published answer: per sign window and per segment, in-vocabulary
    /// videos against their class, out-of-vocabulary ones (a class the head lacks) against `unknown`.
    func testOpenSetFiguresScoreThePublishedAnswers() throws {
        let stgcn = TestPaths.fixtures.appendingPathComponent("stgcn")
        let binary = try LoadedHead.load(stem: stgcn.appendingPathComponent("additive_binary_j75_c2/model").path)
        let multi = try LoadedHead.load(stem: stgcn.appendingPathComponent("additive_c100_j75_c2/model").path)
        let dir = TestPaths.fixtures.appendingPathComponent("eval")
        let gt = try GroundTruth.load(dir.appendingPathComponent("groundtruth.txt"))
        func report(unknownBelow: Double, classes: [String: String]) throws -> (EvalReport.OpenSet?, [VideoRun]) {
            var settings = HeadSettings()
            settings.unknownBelow = unknownBelow
            let pipeline = try HeadPipeline(binary: binary, multiclass: multi, settings: settings, face: .landmarkStage(face: false))
            var options = EvalOptions()
            options.videoClasses = classes
            let (report, runs) = try Evaluator(pipeline: pipeline, options: options).evaluate(directory: dir, groundTruth: gt)
            return (report.multiclass?.openSet, runs)
        }
        let (_, probe) = try report(unknownBelow: 0, classes: [:])
        let a = try XCTUnwrap(probe.first { $0.video == "a_signing" })
        let best = try XCTUnwrap(a.signs.first { $0.isSegmentSummary }).top[0].label
        let classes = ["a_signing": best, "c_false_alarm": "not-a-label", "b_idle": "-"]
        let c = try XCTUnwrap(probe.first { $0.video == "c_false_alarm" })
        let counts = (windows: a.signs.filter { !$0.isSegmentSummary }.count, segments: a.signs.filter(\.isSegmentSummary).count)
        let oovCounts = (windows: c.signs.filter { !$0.isSegmentSummary }.count, segments: c.signs.filter(\.isSegmentSummary).count)
        XCTAssertGreaterThan(oovCounts.windows, 0, "the false alarm gets classified")

        let always = try XCTUnwrap(try report(unknownBelow: 0, classes: classes).0)
        XCTAssertEqual(always.unknownBelow, 0)
        XCTAssertEqual(always.windows.inVocab, counts.windows)
        XCTAssertEqual(always.segments.inVocab, counts.segments)
        XCTAssertEqual(always.windows.outOfVocab, oovCounts.windows)
        XCTAssertEqual(always.segments.outOfVocab, oovCounts.segments)
        XCTAssertEqual(always.segments.rightLabel, 1, "each segment of a_signing answers its class")
        XCTAssertEqual(always.segments.inVocabUnknown, 0)
        XCTAssertEqual(always.windows.outOfVocabUnknown, 0, "threshold 0: never unknown")

        let never = try XCTUnwrap(try report(unknownBelow: 1, classes: classes).0)
        XCTAssertEqual(never.segments.rightLabel, 0, "threshold 1: every answer is unknown")
        XCTAssertEqual(never.segments.inVocabUnknown, 1)
        XCTAssertEqual(never.windows.outOfVocabUnknown, 1)
        XCTAssertEqual(never.segments.outOfVocabUnknown, 1)
    }
}
