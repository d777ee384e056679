import Foundation
import Logging
import SigndConfig
import SigndCore
import SigndDaemon
import SigndEvents
import SigndNpz
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
            throw XCTSkip("landmark models not found in \(TestPaths.models.path) (set SIGND_MODELS_DIR)")
        }
    }

    private func endpoint() -> String { "ipc://\(FileManager.default.temporaryDirectory.path)/signd-heads-\(UUID().uuidString)" }

    /// Runs the daemon to the end of the file while a SUB client collects every event.
    private func runCollecting(_ config: SigndConfiguration) throws -> [ReceivedEvent] {
        let subscriber = try EventSubscriber(endpoint: config.events.endpoints[0])
        let received = Recorder<ReceivedEvent>()
        let done = Recorder<Bool>()
        let box = SubscriberBox(subscriber)
        let reader = Thread {
            while true {
                if let event = try? box.subscriber.receive(timeoutMilliseconds: 300) {
                    received.append(event)
                } else if !done.values.isEmpty {
                    return
                }
            }
        }
        reader.start()
        _ = try Daemon(config: config, logger: Logger(label: "test")).run { _ in Thread.sleep(forTimeInterval: 0.3) }
        done.append(true)
        let quiet = Date().addingTimeInterval(10)
        while reader.isExecuting, Date() < quiet { Thread.sleep(forTimeInterval: 0.05) }
        subscriber.close()
        return received.values
    }

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
        let signSegments = events.compactMap { e -> Int?? in if case .sign(let s) = e.message.event { return s.segment } else { return nil } }
        XCTAssertTrue(signSegments.allSatisfy { $0 == 0 })
    }

    /// `signd replay`'s path on the landmarks the daemon published gives the daemon's probabilities.
    func testReplayOfTheDaemonsLandmarksGivesTheSameProbabilities() throws {
        try requireLandmarkModels()
        var config = config(endpoint: endpoint())
        config.heads.binary = fixtureBinary; config.heads.binaryIsDefault = false
        config.heads.multiclass = nil; config.heads.multiclassIsDefault = false
        config.events.includeLandmarks = true
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

    /// The trained default heads (Models/ in the package) found by the default stems in
    /// `landmarks.models_dir`, on the signing sample: probabilities from the first full window on, and any
    /// segment published in order (start before end, all closed by the end of the file).
    ///
    /// It does not require a segment: the shipped `signing-binary` gives this clip P ≈ 0.43–0.47 (below the
    /// default enter threshold 0.6) while it gives the non-signing mmaction2 clip ≈ 0.97 — a model issue
    /// (see Models/signing-binary.md), not the pipeline's. The segment lifecycle itself is checked with the
    /// fixture heads above.
    func testDefaultModelsRunFromTheModelsDirectory() throws {
        try requireLandmarkModels()
        let models = TestPaths.packageRoot.appendingPathComponent("Models")
        guard FileManager.default.fileExists(atPath: models.appendingPathComponent("signing-binary.safetensors").path) else {
            throw XCTSkip("default heads not in \(models.path) yet")
        }
        // A models directory as deployed: landmark models and the default heads side by side.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["mediapipe", "litert"] {
            try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent(name), withDestinationURL: TestPaths.models.appendingPathComponent(name))
        }
        let heads = try FileManager.default.contentsOfDirectory(atPath: models.path).filter {
            $0.hasPrefix("signing-binary.") || $0.hasPrefix("asl-signs.")
        }
        for name in heads {
            try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent(name), withDestinationURL: models.appendingPathComponent(name))
        }
        var config = config(endpoint: endpoint())
        config.landmarks.modelsDirectory = dir.path   // heads.* left at their defaults
        let events = try runCollecting(config)
        let probabilities = events.compactMap { e -> (Int, Double?)? in
            if case .frame(let f) = e.message.event { return (e.message.envelope.frame!, f.probability) } else { return nil }
        }
        XCTAssertEqual(probabilities.count, 64)
        XCTAssertEqual(probabilities.filter { $0.1 != nil }.map(\.0), Array(24..<64), "the default binary head ran")
        print("default signing-binary on msl150_hoy_001: max P(signing) \(probabilities.compactMap(\.1).max() ?? 0)")

        var open: Int?
        var lastFrame = -1
        for e in events where e.topic == "signd.heads.state" {
            guard case .state(let s) = e.message.event, let frame = e.message.envelope.frame else { continue }
            XCTAssertGreaterThanOrEqual(frame, lastFrame, "in frame order")
            lastFrame = frame
            switch s.phase {
            case .start: XCTAssertNil(open, "no start inside a segment"); open = s.segment
            case .update: XCTAssertEqual(open, s.segment)
            case .end: XCTAssertEqual(open, s.segment); XCTAssertNotNil(s.summary); open = nil
            }
        }
        XCTAssertNil(open, "a segment open at the end of the file is closed")
    }

    private static func landmarks(_ f: FrameLandmarks?) -> HolisticLandmarks {
        var l = HolisticLandmarks.empty()
        func flat(_ joints: [[Float?]]?, into values: inout [Float]) {
            guard let joints else { return }
            values = joints.flatMap { $0.map { $0 ?? .nan } }
        }
        flat(f?.pose, into: &l.pose)
        flat(f?.leftHand, into: &l.leftHand)
        flat(f?.rightHand, into: &l.rightHand)
        return l
    }
}

private final class SubscriberBox: @unchecked Sendable {
    let subscriber: EventSubscriber
    init(_ subscriber: EventSubscriber) { self.subscriber = subscriber }
}
