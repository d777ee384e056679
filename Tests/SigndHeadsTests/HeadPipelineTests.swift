import Foundation
import SigndCore
import SigndHeads
import SigndSTGCN
import SigndTestSupport
import XCTest

/// The heads on the random-weight fixture models: the streamed outputs equal full-window forward passes on
/// the same frames, strides pick the right windows, and layout/kind mismatches are clear errors.
final class HeadPipelineTests: XCTestCase {
    private func stem(_ name: String) -> String { TestPaths.fixtures.appendingPathComponent("stgcn/\(name)/model").path }

    /// Deterministic moving landmarks (hands missing on some frames).
    private func frames(_ n: Int) -> [HolisticLandmarks] {
        (0..<n).map { f in
            var l = HolisticLandmarks.empty()
            for j in 0..<33 {
                l.pose[j * 4] = 0.3 + 0.01 * Float(j) + 0.02 * sinf(Float(f) * 0.3 + Float(j))
                l.pose[j * 4 + 1] = 0.2 + 0.015 * Float(j) + 0.02 * cosf(Float(f) * 0.2)
                l.pose[j * 4 + 2] = 0; l.pose[j * 4 + 3] = 1
            }
            if f % 7 != 3 {
                for k in 0..<21 {
                    l.leftHand[k * 3] = 0.6 + 0.004 * Float(k) + 0.03 * sinf(Float(f) * 0.5)
                    l.leftHand[k * 3 + 1] = 0.5 + 0.005 * Float(k); l.leftHand[k * 3 + 2] = 0
                }
            }
            return l
        }
    }

    private func stamp(_ i: Int) -> FrameStamp { FrameStamp(index: i, captureNanos: UInt64(i) * 33_333_333, sourceMillis: nil) }

    /// (T, J, C) window of frames [s, s+T) laid out pose, left, right with x, y — built independently of
    /// FeatureLayout.
    private func window(_ frames: [HolisticLandmarks], start s: Int, length t: Int) -> [Float] {
        var out: [Float] = []
        for f in s..<(s + t) {
            let l = frames[f]
            for j in 0..<33 { out += [l.pose[j * 4], l.pose[j * 4 + 1]] }
            for k in 0..<21 { out += [l.leftHand[k * 3], l.leftHand[k * 3 + 1]] }
            for k in 0..<21 { out += [l.rightHand[k * 3], l.rightHand[k * 3 + 1]] }
        }
        return out
    }

    func testStreamedProbabilitiesEqualFullWindows() throws {
        let binary = try LoadedHead.load(stem: stem("additive_binary_j75_c2"))
        var settings = HeadSettings()
        settings.smoothingAlpha = 1
        let pipeline = try HeadPipeline(binary: binary, multiclass: nil, settings: settings, face: .landmarkStage(face: false))
        let input = frames(40)
        var scores: [WindowScore] = []
        for (i, l) in input.enumerated() {
            let step = pipeline.push(stamp: stamp(i), landmarks: l)
            XCTAssertEqual(step.score == nil, i < 24, "first output at frame 24")
            if let s = step.score { scores.append(s) }
        }
        XCTAssertEqual(scores.count, 16)
        for (k, score) in scores.enumerated() {
            XCTAssertEqual(score.first.index, k)
            XCTAssertEqual(score.center.index, k + 12)
            XCTAssertEqual(score.last.index, k + 24)
            let expected = Double(softmax(binary.model.logits(window: window(input, start: k, length: 25)))[1])
            XCTAssertEqual(score.raw, expected, accuracy: 1e-5, "window \(k)")
            XCTAssertEqual(score.smoothed, score.raw, "alpha 1 passes through")
        }
    }

    func testStrideTwoScoresEverySecondWindowAndCloseResets() throws {
        let binary = try LoadedHead.load(stem: stem("additive_binary_j75_c2"))
        var settings = HeadSettings()
        settings.stride = 2
        let pipeline = try HeadPipeline(binary: binary, multiclass: nil, settings: settings, face: .landmarkStage(face: false))
        let input = frames(30)
        var lasts: [Int] = []
        for (i, l) in input.enumerated() {
            if let s = pipeline.push(stamp: stamp(i), landmarks: l).score {
                lasts.append(s.last.index)
                XCTAssertEqual(s.raw, Double(softmax(binary.model.logits(window: window(input, start: i - 24, length: 25)))[1]), accuracy: 1e-5)
            }
        }
        XCTAssertEqual(lasts, [24, 26, 28])
        _ = pipeline.close()
        // After a gap the next output needs a full window again.
        for i in 30..<54 { XCTAssertNil(pipeline.push(stamp: stamp(i), landmarks: input[i % 30]).score) }
    }

    /// Thresholds 0 / 0: every scored frame is signing, so the segment starts at the first window; top 3.
    private func alwaysSigning(multiclassEvery: Int) -> HeadSettings {
        var settings = HeadSettings()
        settings.segments = .init(enterThreshold: 0, exitThreshold: 0, minStartFrames: 1, minEndFrames: 1, updateIntervalFrames: 0)
        settings.multiclassEvery = multiclassEvery
        settings.topK = 3
        return settings
    }

    func testMulticlassRunsOnlyWhileSigningAndSummarisesTheSegment() throws {
        let binary = try LoadedHead.load(stem: stem("additive_binary_j75_c2"))
        let multi = try LoadedHead.load(stem: stem("additive_c100_j75_c2"))
        let settings = alwaysSigning(multiclassEvery: 4)
        let pipeline = try HeadPipeline(binary: binary, multiclass: multi, settings: settings, face: .landmarkStage(face: false))
        let input = frames(36)
        var signs: [SignPrediction] = []
        for (i, l) in input.enumerated() { signs += pipeline.push(stamp: stamp(i), landmarks: l).signs }
        XCTAssertEqual(signs.map(\.lastFrame), [24, 28, 32], "first window at the start, then every 4 frames")
        for s in signs {
            XCTAssertEqual(s.top.count, 3)
            XCTAssertEqual(s.segment, 0)
            let probabilities = softmax(multi.model.logits(window: window(input, start: s.firstFrame, length: 25)))
            let best = topK(probabilities, k: 1)[0]
            XCTAssertEqual(s.top[0].index, best.index)
            XCTAssertEqual(s.top[0].label, multi.model.manifest.labels[best.index])
        }
        let closing = pipeline.close()
        XCTAssertEqual(closing.transitions.map(\.phase), [.end])
        let summary = try XCTUnwrap(closing.signs.first)
        XCTAssertTrue(summary.isSegmentSummary)
        XCTAssertEqual(summary.firstFrame, 24)
        XCTAssertEqual(summary.lastFrame, 35)
        for c in 0..<100 {
            let mean = signs.map { $0.probabilities[c] }.reduce(0, +) / 3
            XCTAssertEqual(summary.probabilities[c], mean, accuracy: 1e-6)
        }
    }

    /// Open set: each answer is the best label when its probability reaches `unknownBelow`, else nil
    /// (`unknown`); the segment's answer is decided on its mean probabilities. A background class never answers
    /// nor shows among the top labels, however probable.
    func testOpenSetAnswersUnknownBelowTheThresholdAndSkipsTheBackgroundClass() throws {
        let binary = try LoadedHead.load(stem: stem("additive_binary_j75_c2"))
        let multi = try LoadedHead.load(stem: stem("additive_c100_j75_c2"))
        var settings = alwaysSigning(multiclassEvery: 2)
        func run(_ head: LoadedHead, _ settings: HeadSettings) throws -> [SignPrediction] {
            let pipeline = try HeadPipeline(binary: binary, multiclass: head, settings: settings, face: .landmarkStage(face: false))
            var signs: [SignPrediction] = []
            for (i, l) in frames(40).enumerated() { signs += pipeline.push(stamp: stamp(i), landmarks: l).signs }
            return signs + pipeline.close().signs
        }
        let always = try run(multi, settings)
        XCTAssertEqual(always.count, 9, "8 windows and the summary")
        for s in always {
            XCTAssertEqual(s.label, s.top[0].label, "no open_set and no setting: always the best label")
            XCTAssertEqual(s.score, s.top[0].score)
            XCTAssertEqual(s.windows, s.isSegmentSummary ? 8 : 1)
        }
        // A threshold between the scores seen: some answers become unknown, exactly those below it.
        let scores = always.map(\.score).sorted()
        settings.unknownBelow = (scores[3] + scores[4]) / 2
        let open = try run(multi, settings)
        XCTAssertEqual(open.map(\.score), always.map(\.score))
        XCTAssertEqual(open.filter { $0.label == nil }.count, 4)
        for s in open { XCTAssertEqual(s.label == nil, s.score < settings.unknownBelow!, "\(s.score)") }

        // The manifest's open_set: its threshold applies without a setting, and its background class (here
        // the class the first window liked best) is skipped.
        let background = always[0].top[0].index
        var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stem("additive_c100_j75_c2") + ".manifest.json"))) as! [String: Any]
        manifest["open_set"] = ["score": "max_mean_probability", "unknown_below": 1.0,
                                "background_label": multi.model.manifest.labels[background]]
        let dir = try TemporaryDirectory(prefix: "open-set")
        defer { dir.remove() }
        try JSONSerialization.data(withJSONObject: manifest).write(to: dir.appending("m.manifest.json"))
        let withBackground = LoadedHead(model: try STGCNModel(weights: URL(fileURLWithPath: stem("additive_c100_j75_c2") + ".safetensors"),
                                                              manifest: dir.appending("m.manifest.json")), name: "m")
        settings.unknownBelow = nil
        let skipped = try run(withBackground, settings)
        XCTAssertTrue(skipped.allSatisfy { $0.label == nil }, "unknown_below 1: every answer is unknown")
        for (s, plain) in zip(skipped, always) {
            XCTAssertFalse(s.top.contains { $0.index == background })
            let rest = plain.probabilities.indices.filter { $0 != background }.max { plain.probabilities[$0] < plain.probabilities[$1] }!
            XCTAssertEqual(s.top[0].index, rest, "the best of the other classes")
            XCTAssertEqual(s.score, Double(plain.probabilities[rest]))
        }
    }

    /// A window that covers more source frames than allowed (the loop fell behind and frames were dropped
    /// between the pushed ones) is not scored: the open segment ends at the last scored frame, the windows
    /// restart, and a full window of close frames is needed again.
    func testOverlongWindowIsNotScoredAndEndsTheSegment() throws {
        let binary = try LoadedHead.load(stem: stem("additive_binary_j75_c2"))
        var settings = HeadSettings()
        settings.segments = .init(enterThreshold: 0, exitThreshold: 0, minStartFrames: 1, minEndFrames: 1, updateIntervalFrames: 0)
        settings.maxWindowSpanFrames = 38   // 1.5 × 25
        let pipeline = try HeadPipeline(binary: binary, multiclass: nil, settings: settings, face: .landmarkStage(face: false))
        let input = frames(60)
        var index = 0
        for l in input.prefix(30) {   // contiguous: scored from frame 24, segment open
            XCTAssertNil(pipeline.push(stamp: stamp(index), landmarks: l).windowReset)
            index += 1
        }
        XCTAssertTrue(pipeline.isSigning)
        // Every third source frame from here on. The window 6…33 spans 28 source frames, within the limit,
        // and is scored; each push adds 2 to the span until 12…51 (40 > 38) restarts the windows.
        var resets: [WindowReset] = []
        var ended: [SegmentTracker.Transition] = []
        var scoredLasts: [Int] = []
        for l in input[30...] {
            index += 3
            let step = pipeline.push(stamp: stamp(index), landmarks: l)
            if let r = step.windowReset { resets.append(r) }
            ended += step.transitions.filter { $0.phase == .end }
            if let score = step.score { scoredLasts.append(score.last.index) }
        }
        XCTAssertEqual(scoredLasts, [33, 36, 39, 42, 45, 48], "windows within the limit only")
        XCTAssertEqual(ended.count, 1, "the open segment ended at the first restart")
        XCTAssertEqual(ended.first?.summary?.last.frame, 48, "on the last frame that was scored")
        let first = try XCTUnwrap(resets.first)
        XCTAssertEqual(first, WindowReset(firstFrame: 12, lastFrame: 51, spanFrames: 40, maxSpanFrames: 38))
        XCTAssertGreaterThan(resets.count, 1, "a loop that stays behind keeps restarting, never scoring")
        XCTAssertFalse(pipeline.isSigning)

        // Without a limit the same frames are scored (the check is what stops them).
        settings.maxWindowSpanFrames = nil
        let unlimited = try HeadPipeline(binary: binary, multiclass: nil, settings: settings, face: .landmarkStage(face: false))
        var unlimitedScored = 0
        for (i, l) in input.enumerated() where unlimited.push(stamp: stamp(i * 3), landmarks: l).score != nil { unlimitedScored += 1 }
        XCTAssertEqual(unlimitedScored, 36)
    }

    func testMismatchesAreClearErrors() throws {
        let multi = try LoadedHead.load(stem: stem("additive_c100_j75_c2"))
        XCTAssertThrowsError(try HeadPipeline(binary: multi, multiclass: nil, settings: HeadSettings(), face: .landmarkStage(face: false))) {
            XCTAssertTrue("\($0)".contains("needs a binary head"), "\($0)")
        }
        let binary = try LoadedHead.load(stem: stem("additive_binary_j75_c2"))
        XCTAssertThrowsError(try HeadPipeline(binary: binary, multiclass: binary, settings: HeadSettings(), face: .landmarkStage(face: false))) {
            XCTAssertTrue("\($0)".contains("needs a multi-class head"), "\($0)")
        }
        // J = 553 with a 478-point face: the face stage gives 468 unless it refines faces.
        let face = try LoadedHead.load(stem: ReferencePython.stgcnFixtureStem("additive_binary_j553_c3"))
        XCTAssertThrowsError(try HeadPipeline(binary: face, multiclass: nil, settings: HeadSettings(), face: .landmarkStage(face: true))) {
            XCTAssertTrue("\($0)".contains("478-point face") && "\($0)".contains("produces 468 points")
                          && "\($0)".contains("set landmarks.refine_face: true"), "\($0)")
        }
        XCTAssertThrowsError(try HeadPipeline(binary: face, multiclass: nil, settings: HeadSettings(), face: .landmarkStage(face: false))) {
            XCTAssertTrue("\($0)".contains("set landmarks.face: true and landmarks.refine_face: true"), "\($0)")
        }
        XCTAssertNoThrow(try HeadPipeline(binary: face, multiclass: nil, settings: HeadSettings(), face: .landmarkStage(face: true, refine: true)))
        XCTAssertThrowsError(try LoadedHead.load(stem: "/nonexistent/model")) {
            XCTAssertTrue("\($0)".contains("/nonexistent/model"), "\($0)")
        }
        var bad = HeadSettings()
        bad.stride = 0
        XCTAssertThrowsError(try HeadPipeline(binary: binary, multiclass: nil, settings: bad, face: .landmarkStage(face: false))) {
            XCTAssertTrue("\($0)".contains("heads.stride"), "\($0)")
        }
    }
}
