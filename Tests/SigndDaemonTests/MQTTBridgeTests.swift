import Foundation
import Logging
import SigndConfig
import SigndDaemon
import SigndEvents
import SigndMQTT
import SigndTestSupport
import XCTest

/// The MQTT bridge against a real Mosquitto broker and a real `mosquitto_sub` client, with the real daemon
/// (decoding, landmark models, heads) publishing the looped signing clip.
final class MQTTBridgeTests: XCTestCase {
    private var temp: TemporaryDirectory!

    override func setUpWithError() throws { temp = try TemporaryDirectory(prefix: "signd-mqtt") }
    override func tearDownWithError() throws { temp.remove() }

    private func config(brokerPort: Int) throws -> SigndConfiguration {
        var config = try LoopedClipDaemon.config(camera: "hall")
        config.mqtt.enabled = true
        config.mqtt.port = brokerPort
        return config
    }

    private static func payload(_ lines: [MQTTLine], _ topic: String) -> [String] { lines.filter { $0.topic == topic }.map(\.payload) }

    /// Discovery, availability, the signing state and sign events reach a subscriber; after the broker is
    /// killed and restarted empty, the bridge sends `online`, the discovery configs and the state again; a clean
    /// stop leaves `offline` retained. Every sign message is one of the ZeroMQ `sign` events of the run.
    func testBridgePublishesStateSignsAndDiscoveryAndResendsThemAfterABrokerRestart() throws {
        let broker = try MosquittoBroker(directory: temp.url)
        let firstOutput = temp.url.appendingPathComponent("sub1.txt")
        let first = try broker.subscribe(["signd/#", "homeassistant/#"], output: firstOutput)
        defer { first.stop() }
        let config = try config(brokerPort: broker.port)
        let collector = try EventCollector(endpoint: config.events.endpoints[0])
        let daemon = LoopedClipDaemon(config)

        let base = "signd/hall"
        XCTAssertTrue(MQTTLine.wait(firstOutput, timeout: 60) { lines in
            Self.payload(lines, "\(base)/signing").contains("ON") && Self.payload(lines, "\(base)/sign").count >= 2
        }, "signing ON and sign messages: \(MQTTLine.read(firstOutput).map(\.topic))")
        let lines = MQTTLine.read(firstOutput)
        XCTAssertEqual(Self.payload(lines, "\(base)/availability").first, "online")
        let discovery = lines.filter { $0.topic.hasPrefix("homeassistant/") }
        XCTAssertEqual(Set(discovery.map(\.topic)), [
            "homeassistant/binary_sensor/signd_hall/signing/config", "homeassistant/sensor/signd_hall/last_sign/config",
            "homeassistant/sensor/signd_hall/health/config",
        ])
        let sensor = try XCTUnwrap(discovery.first { $0.topic.contains("binary_sensor") })
        let sensorConfig = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(sensor.payload.utf8)) as? [String: Any])
        XCTAssertEqual(sensorConfig["state_topic"] as? String, "\(base)/signing")
        XCTAssertEqual(sensorConfig["availability_topic"] as? String, "\(base)/availability")
        XCTAssertEqual(sensorConfig["payload_on"] as? String, "ON")
        XCTAssertEqual(sensorConfig["payload_off"] as? String, "OFF")
        XCTAssertEqual(sensorConfig["unique_id"] as? String, "signd_hall_signing")
        XCTAssertNotNil((sensorConfig["device"] as? [String: Any])?["identifiers"])
        XCTAssertEqual(Self.payload(lines, "\(base)/health").compactMap { Self.json($0)["status"] as? String }.first, "ok")

        // The broker dies and comes back with nothing retained: a new subscriber learns everything again.
        broker.kill()
        try broker.start()
        let secondOutput = temp.url.appendingPathComponent("sub2.txt")
        let second = try broker.subscribe(["signd/#", "homeassistant/#"], output: secondOutput)
        defer { second.stop() }
        XCTAssertTrue(MQTTLine.wait(secondOutput, timeout: 60) { lines in
            Self.payload(lines, "\(base)/availability").contains("online")
                && lines.filter { $0.topic.hasPrefix("homeassistant/") }.count == 3
                && !Self.payload(lines, "\(base)/signing").isEmpty
        }, "re-sent after the reconnect: \(MQTTLine.read(secondOutput).map(\.topic))")

        XCTAssertEqual(daemon.stop(), ["ok"])
        XCTAssertTrue(collector.stop())
        XCTAssertTrue(MQTTLine.wait(secondOutput, timeout: 10) { Self.payload($0, "\(base)/availability").last == "offline" })
        XCTAssertEqual(Self.payload(MQTTLine.read(secondOutput), "\(base)/signing").last, "OFF", "the segment closed at stop")

        // Each sign message is a ZeroMQ sign event of the run: same frame, same labels and scores.
        let zmqSigns = collector.events.values.compactMap { e in e.sign.map { (e.message.envelope.frame, $0) } }
        // Decoded with JSONDecoder, as the publisher encodes (JSONSerialization may round the last digit).
        let mqttSigns = try (lines + MQTTLine.read(secondOutput)).filter { $0.topic == "\(base)/sign" }.map {
            try JSONDecoder().decode(SignMessage.self, from: Data($0.payload.utf8))
        }
        XCTAssertFalse(mqttSigns.isEmpty)
        for message in mqttSigns {
            // A frame may carry two sign events (the last window of a segment that a restart closes), so the
            // match is on the frame and the labels with their scores.
            let match = zmqSigns.first {
                $0.0 == message.frame && $0.1.top == message.top && $0.1.segmentID == message.segment_id
                    && $0.1.windowStartFrame == message.window_start_frame && $0.1.windowEndFrame == message.window_end_frame
            }
            XCTAssertNotNil(match, "sign at frame \(message.frame ?? -1) (\(message.top)) is not a ZeroMQ sign event of the run")
            XCTAssertEqual(message.label, match?.1.label, "the answer, a label or unknown, as on ZeroMQ")
            XCTAssertEqual(message.score, match?.1.score)
            XCTAssertEqual(message.camera, "hall")
        }
    }

    /// With `heads.confirm_frames` the signing topic follows confirmed segments only: a tentative start that
    /// ends unconfirmed sends nothing, a confirmed one turns it ON at `confirm` and OFF at its end.
    func testSigningFollowsConfirmedSegmentsOnly() throws {
        let broker = try MosquittoBroker(directory: temp.url)
        let output = temp.url.appendingPathComponent("sub.txt")
        let subscriber = try broker.subscribe(["signd/#"], output: output)
        defer { subscriber.stop() }
        let topics = MQTTTopics(prefix: "signd", camera: "desk", discoveryPrefix: nil, version: "test")
        let bridge = try MQTTBridge(settings: .init(host: "127.0.0.1", port: broker.port, clientID: "signd-confirm-test", username: nil,
                                                    password: nil, keepaliveSeconds: 30, qos: 1),
                                    topics: topics, logger: Logger(label: "test"))
        defer { bridge.stop() }
        XCTAssertTrue(MQTTLine.wait(output, timeout: 30) { Self.payload($0, topics.availability).contains("online") })
        XCTAssertTrue(MQTTLine.wait(output, timeout: 10) { !Self.payload($0, topics.signing).isEmpty }, "the state sent on connecting")
        let before = Self.payload(MQTTLine.read(output), topics.signing).count
        func state(_ phase: StateEvent.Phase, _ segment: Int, confirmed: Bool) -> Event {
            .state(StateEvent(phase: phase, segment: segment, startFrame: 0, startMonoNanos: 0, startWall: 0, durationMillis: 0,
                              probability: 0.7, reason: phase == .end ? .signingStopped : nil, confirmed: confirmed))
        }
        for (event, frame) in [(state(.start, 0, confirmed: false), 2), (state(.end, 0, confirmed: false), 20),
                               (state(.start, 1, confirmed: false), 40), (state(.confirm, 1, confirmed: true), 60),
                               (state(.end, 1, confirmed: true), 90)] {
            bridge.observe(event, frame: frame)
        }
        XCTAssertTrue(MQTTLine.wait(output, timeout: 30) { Self.payload($0, topics.signing).count >= before + 2 })
        Thread.sleep(forTimeInterval: 0.5)   // anything sent after the OFF would show now
        XCTAssertEqual(Array(Self.payload(MQTTLine.read(output), topics.signing).dropFirst(before)), ["ON", "OFF"])
    }

    /// A daemon that dies without a word (SIGKILL) is reported `offline` by the broker: the last will.
    func testTheLastWillSaysOfflineWhenTheDaemonIsKilled() throws {
        _ = try TestPaths.requireSigndBinary()
        let broker = try MosquittoBroker(directory: temp.url)
        let output = temp.url.appendingPathComponent("sub.txt")
        let subscriber = try broker.subscribe(["signd/+/availability"], output: output)
        defer { subscriber.stop() }
        let file = temp.url.appendingPathComponent("signd.yaml")
        try """
        camera_id: door
        source: {uri: '\(TestPaths.samples.appendingPathComponent("msl150_hoy_001.mp4").path)', loop: true}
        landmarks: {enabled: false}
        heads: {enabled: false}
        events: {endpoints: ['ipc://\(temp.url.path)/events']}
        systemd: {notify: false}
        mqtt: {enabled: true, port: \(broker.port), keepalive_s: 5}
        """.write(to: file, atomically: true, encoding: .utf8)
        let daemon = try BackgroundProcess(TestPaths.signdBinary.path, ["run", "--config", file.path])
        defer { daemon.stop() }
        XCTAssertTrue(MQTTLine.wait(output, timeout: 30) { Self.payload($0, "signd/door/availability") == ["online"] })
        daemon.stop(signal: SIGKILL)
        XCTAssertTrue(MQTTLine.wait(output, timeout: 20) { Self.payload($0, "signd/door/availability") == ["online", "offline"] },
                      "\(MQTTLine.read(output))")
    }

    private struct SignMessage: Decodable {
        var camera: String
        var label: String
        var score: Double
        var top: [SignEvent.Label]
        var frame: Int?
        var window_start_frame: Int
        var window_end_frame: Int
        var segment_id: String?
    }

    /// A broker that starts after the daemon (systemd ordering, a broker restarting at boot): the first
    /// connection is retried until it succeeds, and the frame loop runs meanwhile. While the broker is away,
    /// health says so (`integration_failing`, naming the broker); once connected, health is `ok` again.
    func testABrokerThatStartsLaterIsConnectedTo() throws {
        let broker = try MosquittoBroker(directory: temp.url, start: false)
        var config = try config(brokerPort: broker.port)
        config.cameraID = "late"
        config.landmarks.enabled = false
        config.heads.enabled = false
        config.events.statsIntervalSeconds = 0.5
        config.health.intervalSeconds = 0.5
        let collector = try EventCollector(endpoint: config.events.endpoints[0])
        let daemon = LoopedClipDaemon(config)
        XCTAssertTrue(collector.wait(timeout: 30) { $0.filter { $0.message.envelope.kind == .frame }.count >= 10 }, "frames flow without a broker")
        XCTAssertTrue(collector.wait(timeout: 30) { $0.health.contains { $0.reasons == [.integrationFailing] } },
                      "degraded while the broker is away: \(collector.events.values.health)")
        let failing = try XCTUnwrap(collector.events.values.health.first { $0.reasons == [.integrationFailing] })
        XCTAssertEqual(failing.status, .degraded, "ZeroMQ events still flow: degraded, not error")
        XCTAssertTrue(failing.message?.contains("mqtt: not connected to the broker 127.0.0.1:\(broker.port)") == true, failing.message ?? "")
        try broker.start()
        let output = temp.url.appendingPathComponent("late.txt")
        let subscriber = try broker.subscribe(["signd/late/availability"], output: output)
        defer { subscriber.stop() }
        XCTAssertTrue(MQTTLine.wait(output, timeout: 60) { Self.payload($0, "signd/late/availability").contains("online") },
                      "connected once the broker came up")
        XCTAssertTrue(collector.wait(timeout: 30) { $0.health.last?.status == .ok }, "ok once connected: \(collector.events.values.health.suffix(3))")
        XCTAssertEqual(daemon.stop(), ["ok"])
        XCTAssertTrue(collector.stop())
        XCTAssertTrue(MQTTLine.wait(output, timeout: 10) { Self.payload($0, "signd/late/availability").last == "offline" })
    }

    private static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
}
