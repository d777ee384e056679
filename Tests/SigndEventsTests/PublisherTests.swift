import Foundation
import SigndCore
import SigndEvents
import XCTest

final class PublisherTests: XCTestCase {
    /// A burst over ipc:// arrives complete, in order, with contiguous per-topic seq from 0 and all envelope fields.
    func testBurstArrivesInOrderWithContiguousSeq() throws {
        let dir = try Helpers.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let endpoint = "ipc://\(dir.path)/events"
        let publisher = try EventPublisher(configuration: .init(camera: "cam-1", endpoints: [endpoint]))
        defer { publisher.close() }
        XCTAssertEqual(publisher.boundEndpoints, [endpoint])
        let subscriber = try EventSubscriber(endpoint: endpoint, topicPrefix: EventTopic.prefix(camera: "cam-1"))
        defer { subscriber.close() }
        XCTAssertTrue(try Helpers.waitUntilSubscribed(publisher, subscriber), "subscription never reached the publisher")

        let before = Clock.monotonicNanos()
        let wallBefore = Clock.wallSeconds()
        // 300 frames; a state event every 10th frame and a sign event every 25th: 300 + 30 + 12 = 342 events.
        var expected: [(EventKind, UInt64, Int?)] = []
        var seq: [EventKind: UInt64] = [:]
        func note(_ outcome: PublishOutcome, _ kind: EventKind, _ frame: Int?) {
            XCTAssertEqual(outcome, .queued(seq: seq[kind, default: 0]))
            expected.append((kind, seq[kind, default: 0], frame))
            seq[kind, default: 0] += 1
        }
        for frame in 0..<300 {
            let stamp = FrameStamp(index: frame, captureNanos: Clock.monotonicNanos(), sourceMillis: Double(frame) * 33.3)
            let event = FrameEvent(stamp: stamp, landmarks: .empty(), probability: frame < 24 ? nil : 0.5,
                                   landmarkEncoding: nil)
            note(try publisher.publish(.frame(event), frame: frame), .frame, frame)
            if frame % 10 == 0 {
                let state = StateEvent(phase: .update, segment: 0, startFrame: 0, startMonoNanos: before,
                                       startWall: wallBefore, durationMillis: Double(frame) * 33.3, probability: 0.5)
                note(try publisher.publish(.state(state), frame: frame), .state, frame)
            }
            if frame % 25 == 24 {
                let sign = SignEvent(label: "signing", score: 0.6, top: [.init(label: "signing", score: 0.6)], windowStartFrame: frame - 24,
                                     windowEndFrame: frame)
                note(try publisher.publish(.sign(sign), frame: frame), .sign, frame)
            }
        }

        var received: [ReceivedEvent] = []
        while received.count < expected.count, let event = try subscriber.receive(timeoutMilliseconds: 5_000) {
            received.append(event)
        }
        XCTAssertEqual(received.count, expected.count, "events lost in a burst below the high-water mark")
        var lastMono: UInt64 = 0
        for (event, (kind, seq, frame)) in zip(received, expected) {
            let envelope = event.message.envelope
            XCTAssertEqual(event.topic, "signd.cam-1.\(kind.rawValue)")
            XCTAssertEqual(envelope.kind, kind)
            XCTAssertEqual(envelope.seq, seq)
            XCTAssertEqual(envelope.frame, frame)
            XCTAssertEqual(envelope.schema, EventEnvelope.currentSchema)
            XCTAssertEqual(envelope.camera, "cam-1")
            XCTAssertGreaterThanOrEqual(envelope.monoNanos, max(before, lastMono))
            XCTAssertGreaterThanOrEqual(envelope.wall, wallBefore - 1)
            XCTAssertLessThan(envelope.wall, Clock.wallSeconds() + 1)
            lastMono = envelope.monoNanos
            // Every envelope key is present in the raw JSON (optional ones as null, not left out).
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(event.payload)) as? [String: Any])
            for key in ["schema", "kind", "seq", "frame", "mono_ns", "wall", "camera"] {
                XCTAssertNotNil(object[key], "missing \(key)")
            }
        }
        let stats = publisher.statistics
        XCTAssertEqual(stats.published[.frame], 300)
        XCTAssertEqual(stats.published[.state], 30)
        XCTAssertEqual(stats.published[.sign], 12)
        XCTAssertEqual(stats.dropped, 0)
    }

    /// Every kind round-trips through JSON and the wire unchanged, over tcp:// with a resolved wildcard port.
    func testEveryKindRoundTripsOverTCP() throws {
        let publisher = try EventPublisher(configuration: .init(camera: "cam0", endpoints: ["tcp://127.0.0.1:*"]))
        defer { publisher.close() }
        let endpoint = try XCTUnwrap(publisher.boundEndpoints.first)
        XCTAssertTrue(endpoint.hasPrefix("tcp://127.0.0.1:") && !endpoint.hasSuffix(":*"), endpoint)
        let subscriber = try EventSubscriber(endpoint: endpoint)
        defer { subscriber.close() }
        XCTAssertTrue(try Helpers.waitUntilSubscribed(publisher, subscriber))
        for (event, frame) in Helpers.everyEvent {
            try publisher.publish(event, frame: frame)
            let received = try XCTUnwrap(try subscriber.receive(timeoutMilliseconds: 5_000), "no \(event.kind)")
            XCTAssertEqual(received.message.event, event)
            XCTAssertEqual(received.message.envelope.frame, frame)
            XCTAssertEqual(received.topic, "signd.cam0.\(event.kind.rawValue)")
        }
    }

    /// Topic prefix filtering happens at the publisher: a camera-scoped subscriber sees only its kinds.
    func testTopicPrefixFilter() throws {
        let publisher = try EventPublisher(configuration: .init(camera: "cam0", endpoints: ["tcp://127.0.0.1:*"]))
        defer { publisher.close() }
        let all = try EventSubscriber(endpoint: publisher.boundEndpoints[0])
        let healthOnly = try EventSubscriber(endpoint: publisher.boundEndpoints[0], topicPrefix: "signd.cam0.health")
        XCTAssertTrue(try Helpers.waitUntilSubscribed(publisher, all))
        XCTAssertTrue(try Helpers.waitUntilSubscribed(publisher, healthOnly))
        while try all.receive(timeoutMilliseconds: 100) != nil {}
        try publisher.publish(.source(.ended), frame: nil)
        try publisher.publish(.health(HealthEvent(status: .ok, message: "last")), frame: nil)
        XCTAssertEqual(try all.receive(timeoutMilliseconds: 5_000)?.message.event, .source(.ended))
        XCTAssertEqual(try healthOnly.receive(timeoutMilliseconds: 5_000)?.message.event,
                       .health(HealthEvent(status: .ok, message: "last")))
    }

    func testEncodingIsStableWithSortedKeys() throws {
        let message = EventMessage(
            envelope: EventEnvelope(kind: .health, seq: 3, frame: nil, monoNanos: 42, wall: 1.5, camera: "c"),
            event: .health(HealthEvent(status: .degraded, message: "slow")))
        let json = String(decoding: try EventMessage.makeEncoder().encode(message), as: UTF8.self)
        XCTAssertEqual(json, #"{"camera":"c","frame":null,"kind":"health","message":"slow","mono_ns":42,"reasons":[],"schema":2,"seq":3,"status":"degraded","wall":1.5}"#)
    }

    // MARK: errors

    func testBadConfigurationIsATypedError() throws {
        XCTAssertThrowsError(try EventPublisher(configuration: .init(camera: "cam.1", endpoints: ["tcp://127.0.0.1:*"]))) {
            guard case EventPublisherError.invalidCamera("cam.1", _) = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try EventPublisher(configuration: .init(camera: "c", endpoints: []))) {
            XCTAssertEqual($0 as? EventPublisherError, .noEndpoints)
        }
        XCTAssertThrowsError(try EventPublisher(configuration: .init(camera: "c", endpoints: ["udp://x:1"]))) {
            XCTAssertEqual($0 as? EventPublisherError, .unsupportedEndpoint("udp://x:1"))
        }
        XCTAssertThrowsError(
            try EventPublisher(configuration: .init(camera: "c", endpoints: ["tcp://127.0.0.1:*"], sendHighWaterMark: 0))
        ) {
            guard case EventPublisherError.invalidSetting(name: "send_high_water_mark", value: 0, _) = $0 else {
                return XCTFail("\($0)")
            }
        }
        // A port already in use: the error names the endpoint and carries zmq_strerror's text.
        let first = try EventPublisher(configuration: .init(camera: "c", endpoints: ["tcp://127.0.0.1:*"]))
        defer { first.close() }
        let taken = first.boundEndpoints[0]
        XCTAssertThrowsError(try EventPublisher(configuration: .init(camera: "c", endpoints: [taken]))) {
            guard case EventPublisherError.zmq(let error) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(error.operation, "bind \(taken)")
            XCTAssertEqual(error.code, EADDRINUSE)
            XCTAssertTrue("\($0)".contains("Address already in use"), "\($0)")
        }
        // A missing ipc directory.
        XCTAssertThrowsError(
            try EventPublisher(configuration: .init(camera: "c", endpoints: ["ipc:///nonexistent-dir/x/events"]))
        ) {
            guard case EventPublisherError.zmq(let error) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(error.operation, "bind ipc:///nonexistent-dir/x/events")
        }
    }

    func testNonFiniteNumbersAreRefusedNamingTheField() throws {
        let publisher = try EventPublisher(configuration: .init(camera: "c", endpoints: ["tcp://127.0.0.1:*"]))
        defer { publisher.close() }
        let bad = FrameEvent(captureNanos: 1, sourceMillis: nil, probability: .nan,
                             present: LandmarkPresence(pose: true, leftHand: false, rightHand: false, face: false))
        XCTAssertThrowsError(try publisher.publish(.frame(bad), frame: 3)) {
            guard case EventPublisherError.encoding(kind: .frame, field: "probability", _) = $0 else {
                return XCTFail("\($0)")
            }
        }
        let stats = StatsEvent(intervalSeconds: 1, fpsIn: .infinity, fpsOut: 0, framesIn: 0, framesOut: 0,
                               droppedFrames: 0, stages: [.init(name: "x", p50Millis: 1, p99Millis: .nan, count: 1)],
                               publishDrops: 0, uptimeSeconds: 1)
        XCTAssertThrowsError(try publisher.publish(.stats(stats), frame: nil)) {
            guard case EventPublisherError.encoding(kind: .stats, let field, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(field == "fps_in" || field == "stages.[0].p99_ms", field)
        }
        XCTAssertThrowsError(try publisher.publish(.frame(bad), frame: nil)) {
            XCTAssertEqual($0 as? EventPublisherError, .missingFrameIndex(.frame))
        }
        // A refused event uses no seq number.
        let good = FrameEvent(captureNanos: 1, sourceMillis: nil, probability: 0.5, present: bad.present)
        XCTAssertEqual(try publisher.publish(.frame(good), frame: 3), .queued(seq: 0))
    }

    func testPublishAfterCloseThrows() throws {
        let publisher = try EventPublisher(configuration: .init(camera: "c", endpoints: ["tcp://127.0.0.1:*"]))
        publisher.close()
        publisher.close()
        XCTAssertTrue(publisher.isClosed)
        XCTAssertThrowsError(try publisher.publish(.source(.ended), frame: nil)) {
            XCTAssertEqual($0 as? EventPublisherError, .closed)
        }
    }

    /// ipc:// endpoints left behind by a crashed run are rebound, and the port is free again after close.
    func testRebindAfterClose() throws {
        let dir = try Helpers.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let endpoint = "ipc://\(dir.path)/events"
        for _ in 0..<3 {
            let publisher = try EventPublisher(configuration: .init(camera: "c", endpoints: [endpoint, "tcp://127.0.0.1:*"]))
            publisher.close()
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: dir.path + "/stale", contents: Data()))
        let publisher = try EventPublisher(configuration: .init(camera: "c", endpoints: ["ipc://\(dir.path)/stale"]))
        publisher.close()
    }

    /// Two threads publishing at once (the frame loop and a stats timer) keep per-topic seq contiguous.
    func testConcurrentPublishersKeepSeqContiguous() throws {
        let publisher = try EventPublisher(configuration: .init(camera: "c", endpoints: ["tcp://127.0.0.1:*"],
                                                                sendHighWaterMark: 100_000))
        defer { publisher.close() }
        let subscriber = try EventSubscriber(endpoint: publisher.boundEndpoints[0], topicPrefix: "signd.c.s",
                                             receiveHighWaterMark: 100_000)
        defer { subscriber.close() }
        // Subscribes to sign, stats and source; probes on health are not delivered, so wait with sources.
        let deadline = Date().addingTimeInterval(10)
        var connected = false
        while !connected && Date() < deadline {
            try publisher.publish(.source(.ended), frame: nil)
            connected = try subscriber.receive(timeoutMilliseconds: 20) != nil
        }
        XCTAssertTrue(connected)
        while try subscriber.receive(timeoutMilliseconds: 50) != nil {}

        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for i in 0..<500 {
                if worker % 2 == 0 {
                    _ = try? publisher.publish(.sign(SignEvent(label: "a", score: 1, top: [.init(label: "a", score: 1)],
                                                               windowStartFrame: i, windowEndFrame: i + 24)), frame: i + 24)
                } else {
                    _ = try? publisher.publish(.stats(StatsEvent(intervalSeconds: 1, fpsIn: 1, fpsOut: 1, framesIn: 0,
                                                                 framesOut: 0, droppedFrames: 0, stages: [],
                                                                 publishDrops: 0, uptimeSeconds: 1)), frame: nil)
                }
            }
        }
        var seqs: [EventKind: [UInt64]] = [:]
        while let event = try subscriber.receive(timeoutMilliseconds: 2_000) {
            seqs[event.message.envelope.kind, default: []].append(event.message.envelope.seq)
            if seqs[.sign]?.count == 1000 && seqs[.stats]?.count == 1000 { break }
        }
        XCTAssertEqual(seqs[.sign], Array(0..<1000))
        XCTAssertEqual(seqs[.stats], Array(0..<1000))
    }
}
