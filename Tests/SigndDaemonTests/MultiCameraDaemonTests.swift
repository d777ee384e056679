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

    /// MQTT with two cameras: each camera is its own Home Assistant device on its own connection (its own
    /// topics, discovery, availability and last will). Every `sign` message on a camera's topic is one of that
    /// camera's ZeroMQ `sign` events; both end `offline` with the signing state `OFF`. Real Mosquitto broker.
    func testEachCameraIsItsOwnMQTTDevice() throws {
        let temp = try TemporaryDirectory(prefix: "signd-mqtt-cameras")
        defer { temp.remove() }
        let broker = try MosquittoBroker(directory: temp.url)
        let output = temp.url.appendingPathComponent("sub.txt")
        let subscriber = try broker.subscribe(["signd/#", "homeassistant/#"], output: output)
        defer { subscriber.stop() }
        var config = config([("door", signing), ("desk", other)])
        config.mqtt.enabled = true
        config.mqtt.port = broker.port
        let events = try collectingEvents(of: config)
        let cameras = ["door", "desk"]
        XCTAssertTrue(MQTTLine.wait(output, timeout: 20) { lines in
            cameras.allSatisfy { c in lines.last { $0.topic == "signd/\(c)/availability" }?.payload == "offline" }
        }, "both cameras offline after the run: \(MQTTLine.read(output).map(\.topic))")
        let lines = MQTTLine.read(output)
        func payloads(_ topic: String) -> [String] { lines.filter { $0.topic == topic }.map(\.payload) }
        for c in cameras {
            XCTAssertEqual(payloads("signd/\(c)/availability").first, "online", c)
            XCTAssertTrue(payloads("signd/\(c)/signing").contains("ON"), c)
            XCTAssertEqual(payloads("signd/\(c)/signing").last, "OFF", "\(c): the segment closed at the end")
            XCTAssertEqual(payloads("signd/\(c)/health").compactMap { health in
                (try? JSONSerialization.jsonObject(with: Data(health.utf8)) as? [String: Any])?["status"] as? String
            }.first, "ok", c)
            let discovery = lines.filter { $0.topic.hasPrefix("homeassistant/") && $0.topic.contains("/signd_\(c)/") }
            XCTAssertEqual(Set(discovery.map(\.topic)), [
                "homeassistant/binary_sensor/signd_\(c)/signing/config", "homeassistant/sensor/signd_\(c)/last_sign/config",
                "homeassistant/sensor/signd_\(c)/health/config",
            ])
            for message in discovery {
                let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(message.payload.utf8)) as? [String: Any])
                XCTAssertEqual((config["device"] as? [String: Any])?["identifiers"] as? [String], ["signd_\(c)"], message.topic)
                XCTAssertEqual(config["availability_topic"] as? String, "signd/\(c)/availability", message.topic)
            }
            // The camera's ZeroMQ sign events, as (frame, labels): each MQTT sign message must be one of them.
            let zmqSigns = events.filter { $0.topic == "signd.\(c).sign" }.compactMap { e -> String? in
                guard case .sign(let s) = e.message.event else { return nil }
                return "\(e.message.envelope.frame ?? -1) \(s.top.map(\.label)) \(s.windowStartFrame)-\(s.windowEndFrame)"
            }
            let mqttSigns = try payloads("signd/\(c)/sign").map { payload in
                let m = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
                XCTAssertEqual(m["camera"] as? String, c)
                let labels = (m["top"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
                return "\(m["frame"] as? Int ?? -1) \(labels) \(m["window_start_frame"] as? Int ?? -1)-\(m["window_end_frame"] as? Int ?? -1)"
            }
            XCTAssertFalse(zmqSigns.isEmpty, c)
            XCTAssertFalse(mqttSigns.isEmpty, c)
            for sign in mqttSigns { XCTAssertTrue(zmqSigns.contains(sign), "\(c): MQTT sign \(sign) is not one of its ZeroMQ sign events") }
        }
    }

    private struct StatusReply: Sendable {
        var asked: String
        var reply: String
    }

    /// The status endpoint with two cameras: while both run, a request that names a camera gets that camera's
    /// snapshot (its own frame count, its own segment), and one that names none gets the refusal listing both.
    func testTheStatusEndpointAnswersForTheCameraARequestNames() throws {
        var config = config([("door", signing), ("desk", other)])
        let endpoint = "ipc://\(FileManager.default.temporaryDirectory.path)/signd-status-\(UUID().uuidString)"
        config.events.statusEndpoint = endpoint
        let replies = Recorder<StatusReply>()
        let stop = Recorder<Bool>(), finished = Recorder<Bool>()
        // Asks until the run is over; a request that times out (no server yet, or no more) gets a fresh socket,
        // since a REQ socket cannot send twice without a reply.
        let asker = Thread {
            defer { finished.append(true) }
            guard let context = try? ZmqContext() else { return }
            while stop.values.isEmpty {
                guard let client = try? ZmqSocket(context: context, kind: .req) else { return }
                defer { client.close() }
                try? client.set(.receiveTimeoutMilliseconds, 500)
                try? client.set(.lingerMilliseconds, 0)
                guard (try? client.connect(endpoint)) != nil else { return }
                asking: while stop.values.isEmpty {
                    for body in ["door", "desk", "status"] {
                        guard (try? client.send(Array(body.utf8), more: false, dontWait: false)) != nil,
                              let reply = (try? client.receiveMultipart()) ?? nil else { break asking }
                        replies.append(StatusReply(asked: body, reply: String(decoding: reply[0], as: UTF8.self)))
                    }
                    Thread.sleep(forTimeInterval: 0.02)
                }
            }
        }
        asker.start()
        let events = try collectingEvents(of: config)
        stop.append(true)
        XCTAssertTrue(finished.wait(timeout: 10) { !$0.isEmpty }, "the asking thread ends")
        XCTAssertEqual(Set(events.map { $0.topic.split(separator: ".")[1] }), ["door", "desk"])

        let decoder = JSONDecoder()
        func snapshots(_ camera: String) throws -> [StatusSnapshot] {
            try replies.values.filter { $0.asked == camera }.map { try decoder.decode(StatusSnapshot.self, from: Data($0.reply.utf8)) }
        }
        let door = try snapshots("door"), desk = try snapshots("desk")
        XCTAssertFalse(door.isEmpty)
        XCTAssertFalse(desk.isEmpty)
        for (camera, list, frames) in [("door", door, 64), ("desk", desk, 164)] {
            XCTAssertEqual(Set(list.map(\.camera)), [camera])
            XCTAssertEqual(list.map(\.framesOut), list.map(\.framesOut).sorted(), "\(camera): frames out never go back")
            XCTAssertLessThanOrEqual(list.map(\.framesOut).max() ?? 0, frames, "\(camera): no more frames than its own clip")
        }
        // The desk signs from its 25th frame to its 164th, most of the run: it is seen signing in its segment 0.
        XCTAssertTrue(desk.contains { $0.signing && $0.segment == 0 && $0.segmentStartFrame == 24 }, "\(desk.map(\.framesOut))")
        let refusals = try replies.values.filter { $0.asked == "status" }.map { try decoder.decode(StatusRefusal.self, from: Data($0.reply.utf8)) }
        XCTAssertFalse(refusals.isEmpty)
        for refusal in refusals { XCTAssertEqual(refusal.cameras, ["door", "desk"]) }
    }
}
