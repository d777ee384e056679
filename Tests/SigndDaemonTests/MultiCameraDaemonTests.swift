import Foundation
import SigndConfig
import SigndCore
import SigndEvents
import SigndTestSupport
import XCTest

/// `cameras:`: several cameras in one process, each on its own thread with its own tracking, windows, heads
/// state and topics, sharing the models and one publisher. Real decoding, real models, a real SUB socket.
final class MultiCameraDaemonTests: XCTestCase {
    private let fixtureBinary = TestPaths.fixtures.appendingPathComponent("stgcn/additive_binary_j75_c2/model").path
    private let fixtureMulti = TestPaths.fixtures.appendingPathComponent("stgcn/additive_c100_j75_c2/model").path
    private let signing = TestPaths.samples.appendingPathComponent("msl150_hoy_001.mp4").path    // 64 frames
    private let other = TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path       // 164 frames

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: TestPaths.models.appendingPathComponent("mediapipe").path) else {
            throw SetupRequirement.missing("landmark models not found in \(TestPaths.models.path) (set SIGND_MODELS_DIR)")
        }
    }

    private func config(_ cameras: [(String, String)]) -> SigndConfiguration {
        var config = SigndConfiguration()
        config.cameras = cameras.map { id, uri in
            var source = SigndConfiguration.Source()
            source.uri = uri
            return .init(id: id, source: source)
        }
        config.landmarks.modelsDirectory = TestPaths.models.path
        config.events.endpoints = ["ipc://\(FileManager.default.temporaryDirectory.path)/signd-cameras-\(UUID().uuidString)"]
        config.events.statsIntervalSeconds = 5
        config.events.includeLandmarks = true
        config.events.landmarkEncoding = .f32Base64
        config.systemd.notify = false
        config.heads.binary = fixtureBinary; config.heads.binaryIsDefault = false
        config.heads.multiclass = fixtureMulti; config.heads.multiclassIsDefault = false
        // Thresholds 0: every scored window is signing, so each camera opens a segment at its 25th frame.
        config.heads.enterThreshold = 0; config.heads.exitThreshold = 0
        config.heads.multiclassEvery = 8
        return config
    }

    /// What a subscriber learns about one camera: its frame events (index, packed landmarks, probability)
    /// and its segment lifecycle, from that camera's topics only.
    private struct CameraView: Equatable {
        var frames: [String] = []
        var lifecycle: [String] = []
        var seqs: [EventKind: [UInt64]] = [:]
    }

    private func view(_ events: [ReceivedEvent], camera: String) -> CameraView {
        var v = CameraView()
        for e in events where e.topic.hasPrefix("signd.\(camera).") {
            XCTAssertEqual(e.message.envelope.camera, camera)
            v.seqs[e.message.envelope.kind, default: []].append(e.message.envelope.seq)
            switch e.message.event {
            case .frame(let f): v.frames.append("\(e.message.envelope.frame!) \(String(describing: f.landmarks)) \(String(describing: f.probability))")
            case .state(let s): v.lifecycle.append("\(s.phase.rawValue) \(s.segment) from \(s.startFrame)@\(e.message.envelope.frame!)")
            case .sign(let s): v.lifecycle.append("sign \(s.top.map(\.label)) \(s.windowStartFrame)-\(s.windowEndFrame)@\(e.message.envelope.frame!)")
            default: break
            }
        }
        return v
    }

    /// Two cameras in one process give each camera exactly the events it gives alone (landmarks bit for bit,
    /// probabilities, segments), on its own topics with their own unbroken `seq` counters: no state leaks
    /// from one camera's tracking, windows or heads into the other's.
    func testEachCameraGetsTheEventsItGetsAlone() throws {
        let together = try collectingEvents(of: config([("door", signing), ("desk", other)]))
        let doorAlone = try collectingEvents(of: config([("door", signing)]))
        let deskAlone = try collectingEvents(of: config([("desk", other)]))

        let door = view(together, camera: "door"), desk = view(together, camera: "desk")
        XCTAssertEqual(door.frames.count, 64)
        XCTAssertEqual(desk.frames.count, 164)
        for (camera, beside, alone) in [("door", door, view(doorAlone, camera: "door")), ("desk", desk, view(deskAlone, camera: "desk"))] {
            let differing = zip(beside.frames, alone.frames).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
            XCTAssertEqual(differing, [], "\(camera): frames whose landmarks or probability differ with the other camera beside it")
            XCTAssertEqual(beside.frames.count, alone.frames.count, camera)
            XCTAssertEqual(beside.lifecycle, alone.lifecycle, camera)
        }
        XCTAssertTrue(door.lifecycle.contains("end 0 from 24@63"), "\(door.lifecycle)")
        XCTAssertTrue(desk.lifecycle.contains("end 0 from 24@163"), "\(desk.lifecycle)")
        for (camera, v) in [("door", door), ("desk", desk)] {
            for (kind, seqs) in v.seqs { XCTAssertEqual(seqs, Array(0..<UInt64(seqs.count)), "\(camera) \(kind): seq per topic") }
        }
        // Each camera reports its own stats and health.
        for camera in ["door", "desk"] {
            XCTAssertTrue(together.contains { $0.topic == "signd.\(camera).stats" }, camera)
            XCTAssertTrue(together.contains { $0.topic == "signd.\(camera).health" }, camera)
        }
        XCTAssertEqual(Set(together.map { $0.topic.split(separator: ".")[1] }), ["door", "desk"])
    }

    /// A camera whose file opens but holds no decodable frame fails; the other camera's run is not cut
    /// short: all its frames and its segment's end are published, and the run then reports the failure
    /// naming the bad file.
    func testAFailingCameraDoesNotCutTheOtherShort() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("signd-header-only-\(UUID().uuidString).avi")
        // An AVI cut after its header: the container opens, no frame decodes.
        let head = try Data(contentsOf: URL(fileURLWithPath: other)).prefix(12_000)
        try head.write(to: empty)
        defer { try? FileManager.default.removeItem(at: empty) }
        let run = try daemonRun(config([("good", signing), ("bad", empty.path)]))
        XCTAssertThrowsError(try run.outcome.get()) { error in
            XCTAssertTrue("\(error)".contains(empty.lastPathComponent), "\(error)")
        }
        let good = view(run.events, camera: "good")
        XCTAssertEqual(good.frames.count, 64)
        XCTAssertTrue(good.lifecycle.contains("end 0 from 24@63"), "\(good.lifecycle)")
        let badHealth = run.events.filter { $0.topic == "signd.bad.health" }
        XCTAssertFalse(badHealth.isEmpty)
    }
}
