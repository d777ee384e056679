import Foundation
import Logging
import SigndConfig
import SigndCore
import SigndDaemon
import SigndEvents
import SigndHeads
import SigndNpz
import SigndSTGCN
import SigndTestSupport
import XCTest

/// The heads inside the real daemon: real OpenCV decoding, real landmark models, a real SUB socket.
final class HeadsDaemonTests: XCTestCase {
    private let fixtureBinary = TestPaths.fixtures.appendingPathComponent("stgcn/additive_binary_j75_c2/model").path
    private let fixtureMulti = TestPaths.fixtures.appendingPathComponent("stgcn/additive_c100_j75_c2/model").path

    private func config(endpoint: String) -> SigndConfiguration {
        var config = SigndConfiguration()
        config.cameraID = "heads"
        config.source.uri = TestPaths.samples.appendingPathComponent("msl150_hoy_001.mp4").path
        config.landmarks.modelsDirectory = TestPaths.models.path
        config.events.endpoints = [endpoint]
        config.events.statsIntervalSeconds = 5
        config.systemd.notify = false
        return config
    }

    private func requireLandmarkModels() throws {
        guard FileManager.default.fileExists(atPath: TestPaths.models.appendingPathComponent("mediapipe").path) else {
            throw SetupRequirement.missing("landmark models not found in \(TestPaths.models.path) (set SIGND_MODELS_DIR)")
        }
    }

    private func endpoint() -> String { "ipc://\(FileManager.default.temporaryDirectory.path)/signd-heads-\(UUID().uuidString)" }

    private func runCollecting(_ config: SigndConfiguration) throws -> [ReceivedEvent] { try collectingEvents(of: config) }

    /// Segment lifecycle in publishing order: start, then the segment's sign events, then end (+ summary).
    func testStateAndSignEventsInOrderWithFixtureHeads() throws {
        try requireLandmarkModels()
        var config = config(endpoint: endpoint())
        config.heads.binary = fixtureBinary; config.heads.binaryIsDefault = false
        config.heads.multiclass = fixtureMulti; config.heads.multiclassIsDefault = false
        // Thresholds 0: every scored frame counts as signing, so the random-weight head gives one segment
        // from the first window (frame 24, reported on frame 26) to the end of the file (frame 63).
        config.heads.enterThreshold = 0; config.heads.exitThreshold = 0
        config.heads.updateIntervalFrames = 10
        config.heads.multiclassEvery = 8
        let events = try runCollecting(config)
        let frames = events.filter { $0.topic == "signd.heads.frame" }
        XCTAssertEqual(frames.count, 64)
        for f in frames {
            guard case .frame(let e) = f.message.event, let index = f.message.envelope.frame else { return XCTFail("not a frame event") }
            XCTAssertEqual(e.probability == nil, index < 24, "frame \(index): probability from the first full window on")
        }
        let lifecycle = events.filter { $0.topic == "signd.heads.state" || $0.topic == "signd.heads.sign" }.map { e -> String in
            switch e.message.event {
            case .state(let s): return "\(s.phase.rawValue)@\(e.message.envelope.frame!)"
            case .sign(let s): return (s.windowStartFrame == 24 && s.windowEndFrame == 63 ? "summary" : "sign") + "@\(e.message.envelope.frame!)"
            default: return "?"
            }
        }
        // Sign windows at the start, then every 8 frames; updates every 10 frames after the start.
        XCTAssertEqual(lifecycle, ["start@26", "sign@26", "sign@34", "update@36", "sign@42", "update@46", "sign@50",
                                   "update@56", "sign@58", "end@63", "summary@63"])
        guard case .state(let end) = events.last(where: { $0.topic == "signd.heads.state" })?.message.event else { return XCTFail("no end") }
        XCTAssertEqual(end.phase, .end)
        XCTAssertEqual(end.startFrame, 24)
        XCTAssertEqual(end.summary?.endFrame, 63)
        XCTAssertEqual(end.summary?.frames, 40)
        // The end carries the segment's answer: the summary sign event's label and score, over its 5 windows.
        let summarySign = events.compactMap { e -> SignEvent? in
            if case .sign(let s) = e.message.event, s.windowStartFrame == 24, s.windowEndFrame == 63 { return s } else { return nil }
        }
        let answer = try XCTUnwrap(end.summary?.sign, "an end with a multi-class head carries summary.sign")
        XCTAssertEqual(answer.label, summarySign.first?.label)
        XCTAssertEqual(answer.score, summarySign.first?.score)
        XCTAssertEqual(answer.score, summarySign.first?.top.first?.score, "the fixture head has no open_set: always the best label")
        XCTAssertEqual(answer.label, summarySign.first?.top.first?.label)
        XCTAssertEqual(answer.windows, 5)
        let signSegments = events.compactMap { e -> Int?? in if case .sign(let s) = e.message.event { return s.segment } else { return nil } }
        XCTAssertTrue(signSegments.allSatisfy { $0 == 0 })
    }

    /// The head's operating point decides the segments unless the config sets thresholds: with 0 / 0 every
    /// scored frame is signing (one segment from frame 24), with 1 / 1 none is (no segment), and a config
    /// pair replaces the head's.
    func testTheBinaryHeadsOperatingPointDecidesUnlessTheConfigSetsThresholds() throws {
        try requireLandmarkModels()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-op-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func starts(head: (Double, Double), config thresholds: (Double, Double)?) throws -> [Int] {
            let sub = dir.appendingPathComponent(UUID().uuidString)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            var config = config(endpoint: endpoint())
            config.heads.binary = try calibratedFixtureHead(enter: head.0, exit: head.1, in: sub); config.heads.binaryIsDefault = false
            config.heads.multiclass = nil; config.heads.multiclassIsDefault = false
            if let thresholds { config.heads.enterThreshold = thresholds.0; config.heads.exitThreshold = thresholds.1 }
            return try runCollecting(config).compactMap { e in
                if case .state(let s) = e.message.event, s.phase == .start { return s.startFrame } else { return nil }
            }
        }
        XCTAssertEqual(try starts(head: (0, 0), config: nil), [24], "the head's 0 / 0: signing from the first window")
        XCTAssertEqual(try starts(head: (1, 1), config: nil), [], "the head's 1 / 1: never signing")
        XCTAssertEqual(try starts(head: (1, 1), config: (0, 0)), [24], "the config's pair replaces the head's")
    }

    /// `landmarks.pipelined`: pose of frame t+1 beside hands and face of frame t gives the events of the
    /// frame-at-a-time stage: the same landmarks bit for bit (packed float32), probabilities and segment
    /// events, in the same order, every frame handed on.
    func testPipelinedLandmarksGiveTheSameEvents() throws {
        try requireLandmarkModels()
        func run(pipelined: Bool) throws -> (frames: [(Int, FrameEvent)], lifecycle: [String]) {
            var config = config(endpoint: endpoint())
            config.landmarks.face = true
            config.landmarks.pipelined = pipelined
            config.events.includeLandmarks = true
            config.events.landmarkEncoding = .f32Base64
            config.heads.binary = fixtureBinary; config.heads.binaryIsDefault = false
            config.heads.multiclass = fixtureMulti; config.heads.multiclassIsDefault = false
            config.heads.enterThreshold = 0; config.heads.exitThreshold = 0
            config.heads.multiclassEvery = 8
            let events = try runCollecting(config)
            let frames = events.compactMap { e -> (Int, FrameEvent)? in
                if case .frame(let f) = e.message.event { (e.message.envelope.frame!, f) } else { nil }
            }
            let lifecycle = events.compactMap { e -> String? in
                switch e.message.event {
                case .state(let s): "\(s.phase.rawValue)@\(e.message.envelope.frame!)"
                case .sign(let s): "sign \(s.top.map(\.label))@\(e.message.envelope.frame!)"
                default: nil
                }
            }
            return (frames, lifecycle)
        }
        let sequential = try run(pipelined: false)
        let pipelined = try run(pipelined: true)
        XCTAssertEqual(pipelined.frames.map(\.0), Array(0..<64), "every frame, in order")
        XCTAssertEqual(sequential.frames.map(\.0), Array(0..<64))
        var differing: [Int] = []
        for ((index, a), (_, b)) in zip(sequential.frames, pipelined.frames)
        where a.landmarks != b.landmarks || a.probability != b.probability || a.present != b.present {
            differing.append(index)
        }
        XCTAssertEqual(differing, [], "frames whose landmarks or probability differ")
        XCTAssertTrue(pipelined.frames.contains { $0.1.present.pose && ($0.1.present.leftHand || $0.1.present.rightHand) },
                      "poses and hands were found")
        XCTAssertEqual(pipelined.lifecycle, sequential.lifecycle)
        XCTAssertTrue(pipelined.lifecycle.contains("end@63"), "\(pipelined.lifecycle)")
    }

    /// `landmarks.pipelined` across a source restart (a looped file): the first pass's frames, those still
    /// in the landmark stage included, go out before the restart ends their segment, and the second pass
    /// starts tracking afresh.
    func testPipelinedLoopHandsOnEveryFrameBeforeTheRestart() throws {
        try requireLandmarkModels()
        var config = config(endpoint: endpoint())
        config.landmarks.pipelined = true
        config.source.loop = true
        config.source.maxFrames = 90
        config.heads.binary = fixtureBinary; config.heads.binaryIsDefault = false
        config.heads.multiclass = nil; config.heads.multiclassIsDefault = false
        config.heads.enterThreshold = 0; config.heads.exitThreshold = 0
        let events = try runCollecting(config)
        let frames = events.compactMap { e -> Int? in if case .frame = e.message.event { e.message.envelope.frame } else { nil } }
        XCTAssertEqual(frames, Array(0..<90), "max_frames frames, all published, in order")
        let stats = events.compactMap { e -> StatsEvent? in if case .stats(let s) = e.message.event { s } else { nil } }
        XCTAssertEqual(stats.compactMap { $0.stages.first { $0.name == "landmarks" }?.count }.reduce(0, +), 90,
                       "the landmark stage timed once per frame")
        let lifecycle = events.compactMap { e -> String? in
            if case .state(let s) = e.message.event { "\(s.phase.rawValue)@\(e.message.envelope.frame!)\(s.reason.map { " " + $0.rawValue } ?? "")" } else { nil }
        }
        // First window at frame 24, reported on frame 26 (min_start_frames 3); the restart ends it on the
        // first pass's last frame (an update every 30 frames before); the second pass's windows start over,
        // so none is full by frame 89.
        XCTAssertEqual(lifecycle, ["start@26", "update@56", "end@63 source_restarted"])
        guard let restart = events.firstIndex(where: { e in
            if case .state(let s) = e.message.event { s.reason == .sourceRestarted } else { false }
        }) else { return XCTFail("no segment ended at the restart") }
        let passes = Dictionary(grouping: events.indices.filter { if case .frame = events[$0].message.event { true } else { false } }) {
            events[$0].message.envelope.frame! < 64
        }
        XCTAssertLessThan(passes[true]?.max() ?? .max, restart, "every first-pass frame before the restart's end")
        XCTAssertGreaterThan(passes[false]?.min() ?? -1, restart, "every second-pass frame after it")
    }

    /// `landmarks.pipelined` on a paced source: the loop waits for frames on the grab thread, and each
    /// finished frame wakes it; every frame taken is published, in order, and the last ones at the end.
    func testPipelinedPacedSourcePublishesEveryFrameTaken() throws {
        try requireLandmarkModels()
        var config = config(endpoint: endpoint())
        config.landmarks.pipelined = true
        config.source.realtime = true
        config.heads.enabled = false
        let events = try runCollecting(config)
        let frames = events.compactMap { e -> Int? in if case .frame = e.message.event { e.message.envelope.frame } else { nil } }
        XCTAssertFalse(frames.isEmpty)
        XCTAssertEqual(frames, frames.sorted(), "in order")
        XCTAssertEqual(Set(frames).count, frames.count)
        XCTAssertEqual(frames.last, 63, "the last frame of the file was taken and published")
        let stats = events.compactMap { e -> StatsEvent? in if case .stats(let s) = e.message.event { s } else { nil } }
        XCTAssertEqual(stats.compactMap { $0.stages.first { $0.name == "landmarks" }?.count }.reduce(0, +), frames.count)
        XCTAssertTrue(events.contains { if case .frame(let f) = $0.message.event { f.present.pose } else { false } })
    }

    /// `landmarks.min_detection_confidence` reaches the daemon's landmark stage: at 0.9 the person filling
    /// the close-up clip is not found (MediaPipe Python agrees: HolisticPipelineTests), at the default it is.
    func testLandmarkOptionsReachTheLandmarkStage() throws {
        try requireLandmarkModels()
        func poseFrames(_ confidence: Double) throws -> [Bool] {
            var config = config(endpoint: endpoint())
            config.source.uri = TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path
            config.source.maxFrames = 10
            config.heads.enabled = false
            config.landmarks.minDetectionConfidence = confidence
            config.landmarks.minTrackingConfidence = 0.99
            config.landmarks.smoothLandmarks = false
            return try runCollecting(config).compactMap { e in if case .frame(let f) = e.message.event { f.present.pose } else { nil } }
        }
        XCTAssertEqual(try poseFrames(0.9), Array(repeating: false, count: 10))
        XCTAssertEqual(try poseFrames(0.5), Array(repeating: true, count: 10))
    }

    /// `source.process_every: 2`: every second source frame is processed, indices keep counting source
    /// frames, and the heads score windows of processed frames without resetting them for the gaps.
    func testProcessEveryNthFrameKeepsWindowsWhole() throws {
        try requireLandmarkModels()
        var config = config(endpoint: endpoint())
        config.heads.binary = fixtureBinary; config.heads.binaryIsDefault = false
        config.heads.multiclass = nil; config.heads.multiclassIsDefault = false
        config.source.capture.processEvery = 2
        let events = try runCollecting(config)
        var frames: [(Int, Double?)] = []
        for e in events where e.topic == "signd.heads.frame" {
            if case .frame(let f) = e.message.event { frames.append((e.message.envelope.frame!, f.probability)) }
        }
        XCTAssertEqual(frames.map(\.0), Array(stride(from: 0, to: 64, by: 2)), "every second frame of the 64")
        // The first window is the 25th processed frame, source frame 48.
        XCTAssertEqual(frames.filter { $0.1 != nil }.map(\.0), Array(stride(from: 48, to: 64, by: 2)))
        let reasons = events.compactMap { e -> [HealthEvent.Reason]? in if case .health(let h) = e.message.event { h.reasons } else { nil } }
        XCTAssertFalse(reasons.joined().contains(.windowsReset), "\(reasons)")
    }

    /// `signd replay`'s path on the landmarks the daemon published gives the daemon's probabilities.
    func testReplayOfTheDaemonsLandmarksGivesTheSameProbabilities() throws {
        try requireLandmarkModels()
        var config = config(endpoint: endpoint())
        config.heads.binary = fixtureBinary; config.heads.binaryIsDefault = false
        config.heads.multiclass = nil; config.heads.multiclassIsDefault = false
        config.events.includeLandmarks = true
        config.events.landmarkEncoding = .f32Base64   // the exact values (json rounds them)
        let events = try runCollecting(config)
        var landmarks: [HolisticLandmarks] = []
        var daemonProbabilities: [Double?] = []
        for e in events where e.topic == "signd.heads.frame" {
            guard case .frame(let f) = e.message.event else { continue }
            landmarks.append(Self.landmarks(f.landmarks))
            daemonProbabilities.append(f.probability)
        }
        XCTAssertEqual(landmarks.count, 64)
        XCTAssertTrue(landmarks.contains { $0.hasLeftHand || $0.hasRightHand }, "the sample shows hands")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("hoy.npz")
        try SeedLandmarkFile.write(landmarks, to: file)

        let stage = try XCTUnwrap(try HeadsStage.make(config: config, logger: Logger(label: "test")))
        var replayed: [Double?] = []
        try Replay(heads: stage, fps: 30).run(file: file) { event, _ in
            if case .frame(let f) = event { replayed.append(f.probability) }
        }
        XCTAssertEqual(replayed.count, 64)
        XCTAssertEqual(replayed.compactMap { $0 }.count, 40)
        for (i, (a, b)) in zip(daemonProbabilities, replayed).enumerated() {
            XCTAssertEqual(a == nil, b == nil, "frame \(i)")
            if let a, let b { XCTAssertEqual(a, b, accuracy: 1e-7, "frame \(i)") }
        }
    }

    /// `landmarks.refine_face: true` runs MediaPipe's attention face model live: a head whose joint_layout has a
    /// 478-point face (imported from an upstream-format checkpoint: SeedCheckpointTests) starts and scores the
    /// close-up clip, whose face is on every frame; the frame events carry 478-point faces; replaying those
    /// landmarks gives the daemon's probabilities. Without refine_face the same head is refused by name.
    func testA478PointFaceHeadRunsOnRefinedFaces() throws {
        try requireLandmarkModels()
        let head = try SeedCheckpointTests.generated().appendingPathComponent("cases/face553_binary_additive_c3/head").path
        var config = config(endpoint: endpoint())
        config.source.uri = TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path
        config.source.maxFrames = 40
        config.heads.binary = head; config.heads.binaryIsDefault = false
        config.heads.multiclass = nil; config.heads.multiclassIsDefault = false
        config.landmarks.face = true
        config.landmarks.refineFace = false
        XCTAssertThrowsError(try HeadsStage.make(config: config, logger: Logger(label: "test"))) {
            XCTAssertTrue("\($0)".contains("478-point face") && "\($0)".contains("set landmarks.refine_face: true"), "\($0)")
        }
        config.landmarks.refineFace = true
        // The other way round: a 468-point face head while the stage refines.
        let cases = try SeedCheckpointTests.generated().appendingPathComponent("cases")
        let case468 = try XCTUnwrap(try JSONDecoder().decode([SeedCheckpointTests.Case].self, from: Data(contentsOf: cases.appendingPathComponent("cases.json")))
            .first { $0.face_joints == 468 && $0.kind != "multiclass" }, "a binary or 2-class head with a 468-point face")
        var refused = config
        refused.heads.binary = cases.appendingPathComponent(case468.case).appendingPathComponent("head").path
        XCTAssertThrowsError(try HeadsStage.make(config: refused, logger: Logger(label: "test"))) {
            XCTAssertTrue("\($0)".contains("468-point face") && "\($0)".contains("set landmarks.refine_face: false"), "\($0)")
        }
        config.events.includeLandmarks = true
        config.events.landmarkEncoding = .f32Base64
        var landmarks: [HolisticLandmarks] = []
        var probabilities: [Double?] = []
        for e in try runCollecting(config) where e.topic == "signd.heads.frame" {
            guard case .frame(let f) = e.message.event else { continue }
            XCTAssertEqual(f.landmarks?.face?.values?.count, 478 * 3, "frame \(landmarks.count): a 478-point face")
            landmarks.append(Self.landmarks(f.landmarks, faceJoints: 478))
            probabilities.append(f.probability)
        }
        XCTAssertEqual(landmarks.count, 40)
        XCTAssertEqual(probabilities.compactMap { $0 }.count, 40 - 24, "every full window is scored")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-refined-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("closeup.npz")
        try SeedLandmarkFile.write(landmarks, to: file)
        let stage = try XCTUnwrap(try HeadsStage.make(config: config, logger: Logger(label: "test"), face: .inputFiles))
        var replayed: [Double?] = []
        try Replay(heads: stage, fps: 30).run(file: file) { event, _ in
            if case .frame(let f) = event { replayed.append(f.probability) }
        }
        XCTAssertEqual(replayed.count, probabilities.count)
        for (i, (a, b)) in zip(probabilities, replayed).enumerated() {
            XCTAssertEqual(a == nil, b == nil, "frame \(i)")
            if let a, let b { XCTAssertEqual(a, b, accuracy: 1e-7, "frame \(i)") }
        }
    }

    /// The end-to-end check with the trained default heads (Models/ in the package, found by the default stems
    /// in `landmarks.models_dir`) on the bundled signing clip, which shows signing from its first frame to its
    /// last: a SUB client receives a `start` as soon as the binary head has seen enough frames and the
    /// segment's `end` (with its summary) when the file ends, in order, with `sign` events from the
    /// multi-class head between them.
    /// A models directory as deployed: landmark models and the default heads side by side (removed by the caller).
    private func deployedModelsDirectory() throws -> URL {
        try requireLandmarkModels()
        let models = TestPaths.packageRoot.appendingPathComponent("Models")
        guard FileManager.default.fileExists(atPath: models.appendingPathComponent("signing-binary.safetensors").path) else {
            throw SetupRequirement.missing("default heads not in \(models.path) yet")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in ["mediapipe", "litert"] {
            try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent(name), withDestinationURL: TestPaths.models.appendingPathComponent(name))
        }
        let heads = try FileManager.default.contentsOfDirectory(atPath: models.path).filter {
            $0.hasPrefix("signing-binary.") || $0.hasPrefix("asl-signs.")
        }
        for name in heads {
            try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent(name), withDestinationURL: models.appendingPathComponent(name))
        }
        return dir
    }

    /// `heads.confirm_frames` on the bundled signing clip with the default heads: the segment's `start` is
    /// tentative, `confirm` follows once the smoothed P(signing) has held the enter threshold that many frames
    /// (on the frame the same tracker, fed the published probabilities, names), and the `end` says confirmed;
    /// a confirmation longer than the clip's 40 scored frames never comes, and the `end` says so.
    func testConfirmationOfTheSigningSegment() throws {
        let dir = try deployedModelsDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for confirmFrames in [10, 100] {
            var config = config(endpoint: endpoint())
            config.landmarks.modelsDirectory = dir.path
            config.heads.confirmFrames = confirmFrames
            let events = try runCollecting(config)
            let states = events.compactMap { e -> (StateEvent, Int)? in
                if case .state(let s) = e.message.event { return (s, e.message.envelope.frame!) } else { return nil }
            }
            let trace = states.map { "\($0.0.phase)@\($0.1) confirmed \($0.0.confirmed.map(String.init) ?? "-")" }
            XCTAssertEqual(states.filter { $0.0.phase != .update }.map(\.0.phase), confirmFrames == 10 ? [.start, .confirm, .end] : [.start, .end], "\(trace)")
            XCTAssertEqual(states.first?.0.confirmed, false, "a tentative start: \(trace)")
            XCTAssertEqual(states.last?.0.confirmed, confirmFrames == 10, "\(trace)")
            XCTAssertTrue(states.allSatisfy { $0.0.confirmed != nil }, "every state event says: \(trace)")
            guard confirmFrames == 10, let start = states.first, let confirm = states.first(where: { $0.0.phase == .confirm }) else { continue }
            XCTAssertEqual(confirm.0.segmentID, start.0.segmentID)
            // Where the confirmation belongs: the same tracker fed the frame events' raw probabilities.
            let raw = events.compactMap { e -> (Int, Double)? in
                if case .frame(let f) = e.message.event, let p = f.probability { return (e.message.envelope.frame!, p) } else { return nil }
            }
            let op = try STGCNModel.load(stem: dir.appendingPathComponent("signing-binary")).manifest.operatingPoint
            var smoother = try EMASmoother(alpha: config.heads.smoothingAlpha)
            var tracker = try SegmentTracker(parameters: config.heads.settings(operatingPoint: op).segments)
            let expected = raw.flatMap { frame, p in tracker.step(.init(frame: frame, nanos: 0), probability: smoother.step(p)) }
                .first { $0.phase == .confirm }
            XCTAssertEqual(expected?.at.frame, confirm.1, "\(trace)")
            XCTAssertGreaterThanOrEqual(confirm.1 - start.1, confirmFrames - config.heads.minStartFrames, "\(trace)")
        }
    }

    func testDefaultModelsPublishTheSigningSegmentInOrder() throws {
        let dir = try deployedModelsDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = config(endpoint: endpoint())
        config.landmarks.modelsDirectory = dir.path   // heads.* left at their defaults
        let events = try runCollecting(config)
        let probabilities = events.compactMap { e -> (Int, Double?)? in
            if case .frame(let f) = e.message.event { return (e.message.envelope.frame!, f.probability) } else { return nil }
        }
        XCTAssertEqual(probabilities.count, 64)
        XCTAssertEqual(probabilities.filter { $0.1 != nil }.map(\.0), Array(24..<64), "the default binary head ran")
        let p = probabilities.compactMap(\.1)
        print("default signing-binary on msl150_hoy_001: P(signing) min \(p.min() ?? 0) mean \(p.reduce(0, +) / Double(max(p.count, 1))) max \(p.max() ?? 0)")

        // Receive order: the state and sign events as the SUB client got them.
        let heads2 = events.filter { $0.topic == "signd.heads.state" || $0.topic == "signd.heads.sign" }
        var states: [(phase: StateEvent.Phase, frame: Int, event: StateEvent)] = []
        for e in heads2 {
            if case .state(let s) = e.message.event { states.append((s.phase, e.message.envelope.frame!, s)) }
        }
        let starts = states.filter { $0.phase == .start }, ends = states.filter { $0.phase == .end }
        XCTAssertEqual(starts.count, 1, "one signing segment: \(states.map { "\($0.phase)@\($0.frame)" })")
        XCTAssertEqual(ends.count, 1, "\(states.map { "\($0.phase)@\($0.frame)" })")
        guard let start = starts.first, let end = ends.first else { return }
        // The first window ends at frame 24; heads.min_start_frames (3) scored frames ≥ the enter threshold.
        XCTAssertGreaterThanOrEqual(start.event.startFrame, 24)
        XCTAssertLessThanOrEqual(start.frame, 40, "start published early in the clip")
        XCTAssertEqual(end.frame, 63, "the segment ends with the file")
        XCTAssertEqual(end.event.segment, start.event.segment)
        XCTAssertNotNil(end.event.summary)
        let startIndex = heads2.firstIndex { if case .state(let s) = $0.message.event { return s.phase == .start } else { return false } }!
        let endIndex = heads2.firstIndex { if case .state(let s) = $0.message.event { return s.phase == .end } else { return false } }!
        XCTAssertLessThan(startIndex, endIndex, "start received before end")
        let signs = heads2.enumerated().filter { if case .sign = $0.element.message.event { return true } else { return false } }
        XCTAssertFalse(signs.isEmpty, "the multi-class head classified the segment")
        for (i, e) in signs {
            guard case .sign(let sign) = e.message.event else { continue }
            XCTAssertGreaterThan(i, startIndex, "sign events follow the start")
            XCTAssertEqual(sign.segment, start.event.segment)
            XCTAssertTrue(sign.top.allSatisfy { ["hello", "iloveyou", "thankyou"].contains($0.label) }, "\(sign.top)")
        }
    }

    private static func landmarks(_ f: FrameLandmarks?, faceJoints: Int? = nil) -> HolisticLandmarks {
        var l = HolisticLandmarks.empty(faceJoints: faceJoints)
        func flat(_ part: LandmarkPart?, into values: inout [Float]) {
            guard let part, let decoded = part.values else { return }
            values = decoded
        }
        flat(f?.pose, into: &l.pose)
        flat(f?.leftHand, into: &l.leftHand)
        flat(f?.rightHand, into: &l.rightHand)
        if l.face != nil { flat(f?.face, into: &l.face!) }
        return l
    }
}
