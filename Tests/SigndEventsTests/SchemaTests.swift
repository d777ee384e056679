import Foundation
import SigndEvents
import SigndTestSupport
import XCTest

/// Validates real published payloads against docs/events.schema.json with Python's `jsonschema`
/// (Draft 2020-12), so the schema file and the encoder cannot drift apart.
final class SchemaTests: XCTestCase {
    /// Reads JSON lines on stdin; prints "ok" or the first error per line. Exit 3: jsonschema missing.
    /// `strict`: the published schema lets consumers accept fields added later (docs/events.md); our own
    /// output is held to exactly the documented fields by closing every object of the schema first.
    static let validator = """
        import json, sys
        try:
            import jsonschema
        except ImportError:
            sys.exit(3)
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        def close(node, top):
            if isinstance(node, dict):
                if top:
                    node["unevaluatedProperties"] = False
                elif "properties" in node and "object" in (node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]):
                    node["additionalProperties"] = False
                for key, value in node.items():
                    close(value, False)
            elif isinstance(node, list):
                for value in node:
                    close(value, False)
        if len(sys.argv) > 2 and sys.argv[2] == "strict":
            close(schema, True)
        v = jsonschema.Draft202012Validator(schema)
        for line in sys.stdin:
            if not line.strip():
                continue
            errors = sorted(v.iter_errors(json.loads(line)), key=lambda e: e.path)
            print("ok" if not errors else "invalid: " + "; ".join(e.message[:200] for e in errors))
        """

    func validate(_ lines: [String], schema: URL = Helpers.schemaURL, strict: Bool = true) throws -> [String] {
        guard let python = Helpers.which("python3") else { throw SetupRequirement.missing("python3 not found: schema not checked") }
        let result = try Helpers.run(
            python, ["-c", Self.validator, schema.path] + (strict ? ["strict"] : []), input: Data(lines.joined(separator: "\n").utf8))
        if result.status == 3 { throw SetupRequirement.missing("python3 has no jsonschema module (pip install jsonschema)") }
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout.split(separator: "\n").map(String.init)
    }

    /// The status endpoint's real replies (idle, and signing while degraded) validate against
    /// docs/status.schema.json.
    func testStatusRepliesValidate() throws {
        let idle = StatusSnapshot(camera: "front-door", health: HealthEvent(status: .ok, message: "running"), source: "open",
                                  signing: false, segment: nil, segmentStartFrame: nil, framesOut: 0, uptimeSeconds: 0.1)
        let server = try StatusServer(endpoint: "tcp://127.0.0.1:*", initial: idle)
        defer { server.stop() }
        let (context, client) = try Self.statusClient(server)
        defer { client.close(); _ = context }
        var replies: [String] = []
        for snapshot in [idle, StatusSnapshot(camera: "front-door", health: HealthEvent(status: .degraded, message: "slow", reasons: [.framesDropped]),
                                              source: "reconnecting", signing: true, segment: 4, segmentStartFrame: 812, framesOut: 900, uptimeSeconds: 31),
                         StatusSnapshot(camera: "front-door", health: HealthEvent(status: .ok, message: "running"), source: "open", signing: true,
                                        segment: 5, segmentStartFrame: 990, framesOut: 1000, uptimeSeconds: 34, segmentConfirmed: false)] {
            server.update(snapshot)
            _ = try client.send(Array("status".utf8), more: false, dontWait: false)
            let reply = try XCTUnwrap(try client.receiveMultipart())
            XCTAssertEqual(try JSONDecoder().decode(StatusSnapshot.self, from: Data(reply[0])), snapshot)
            replies.append(String(decoding: reply[0], as: UTF8.self))
        }
        let schema = Helpers.schemaURL.deletingLastPathComponent().appendingPathComponent("status.schema.json")
        XCTAssertEqual(try validate(replies, schema: schema), ["ok", "ok", "ok"], replies.joined(separator: "\n"))
        XCTAssertFalse(replies[1].contains("segment_confirmed"), "absent unless confirmation is on")
        XCTAssertTrue(replies[2].contains("\"segment_confirmed\":false"), replies[2])
    }

    /// With several cameras the request's body names the camera: each gets its own snapshot, and a body that
    /// names none gets the refusal listing them. All three replies validate against docs/status.schema.json.
    func testStatusRepliesOfSeveralCamerasNameTheCamera() throws {
        func idle(_ camera: String, frames: Int) -> StatusSnapshot {
            StatusSnapshot(camera: camera, health: HealthEvent(status: .ok, message: "running"), source: "open", signing: false,
                           segment: nil, segmentStartFrame: nil, framesOut: frames, uptimeSeconds: 1)
        }
        let server = try StatusServer(endpoint: "tcp://127.0.0.1:*", initial: [idle("front-door", frames: 0), idle("back", frames: 0)])
        defer { server.stop() }
        server.update(idle("back", frames: 7))
        let (context, client) = try Self.statusClient(server)
        defer { client.close(); _ = context }
        var replies: [String] = []
        for body in ["front-door", "back\n", "status"] {
            _ = try client.send(Array(body.utf8), more: false, dontWait: false)
            replies.append(String(decoding: try XCTUnwrap(try client.receiveMultipart())[0], as: UTF8.self))
        }
        XCTAssertEqual(try JSONDecoder().decode(StatusSnapshot.self, from: Data(replies[0].utf8)), idle("front-door", frames: 0))
        XCTAssertEqual(try JSONDecoder().decode(StatusSnapshot.self, from: Data(replies[1].utf8)), idle("back", frames: 7))
        let refusal = try JSONDecoder().decode(StatusRefusal.self, from: Data(replies[2].utf8))
        XCTAssertEqual(refusal.cameras, ["front-door", "back"])
        XCTAssertTrue(refusal.error.contains("front-door, back"), refusal.error)
        let schema = Helpers.schemaURL.deletingLastPathComponent().appendingPathComponent("status.schema.json")
        XCTAssertEqual(try validate(replies, schema: schema), ["ok", "ok", "ok"], replies.joined(separator: "\n"))
        // The schema tells the two apart: a snapshot is not a refusal and an empty object is neither.
        XCTAssertEqual(try validate(["{}"], schema: schema).first?.hasPrefix("invalid"), true)
    }

    /// A REQ client of `server`, with its context (which must outlive it).
    private static func statusClient(_ server: StatusServer) throws -> (ZmqContext, ZmqSocket) {
        let context = try ZmqContext()
        let client = try ZmqSocket(context: context, kind: .req)
        try client.set(.receiveTimeoutMilliseconds, 5000)
        try client.set(.lingerMilliseconds, 0)
        try client.connect(server.boundEndpoint)
        return (context, client)
    }

    func testEveryPublishedKindValidates() throws {
        let publisher = try EventPublisher(configuration: .init(camera: "front-door", endpoints: ["tcp://127.0.0.1:*"]))
        defer { publisher.close() }
        let subscriber = try EventSubscriber(endpoint: publisher.boundEndpoints[0])
        defer { subscriber.close() }
        XCTAssertTrue(try Helpers.waitUntilSubscribed(publisher, subscriber))
        var lines: [String] = []
        var kinds = Set<EventKind>()
        for (event, frame) in Helpers.everyEvent {
            try publisher.publish(event, frame: frame)
            let received = try XCTUnwrap(try subscriber.receive(timeoutMilliseconds: 5_000))
            lines.append(String(decoding: received.payload, as: UTF8.self))
            kinds.insert(received.message.envelope.kind)
        }
        XCTAssertEqual(kinds, Set(EventKind.allCases), "the sample set must cover every kind")
        let verdicts = try validate(lines)
        XCTAssertEqual(verdicts.count, lines.count)
        for (verdict, line) in zip(verdicts, lines) {
            XCTAssertEqual(verdict, "ok", line)
        }
    }

    /// The schema really constrains: broken variants of valid payloads are rejected.
    func testSchemaRejectsBrokenPayloads() throws {
        let encoder = EventMessage.makeEncoder()
        func json(_ event: Event, frame: Int?) throws -> [String: Any] {
            let message = EventMessage(
                envelope: EventEnvelope(kind: event.kind, seq: 0, frame: frame, monoNanos: 1, wall: 2, camera: "c"),
                event: event)
            return try JSONSerialization.jsonObject(with: try encoder.encode(message)) as! [String: Any]
        }
        func line(_ object: [String: Any]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        let health = try json(.health(HealthEvent(status: .ok)), frame: nil)
        let frame = try json(Helpers.everyEvent[0].0, frame: 7)
        let source = try json(.source(.reconnecting(attempt: 1, backoffMillis: 10)), frame: nil)
        var broken: [[String: Any]] = []
        var missingSeq = health; missingSeq["seq"] = nil; broken.append(missingSeq)
        var badStatus = health; badStatus["status"] = "fine"; broken.append(badStatus)
        var extra = health; extra["surprise"] = 1; broken.append(extra)
        var wrongKind = health; wrongKind["kind"] = "stats"; broken.append(wrongKind)
        var noFrame = frame; noFrame["frame"] = NSNull(); broken.append(noFrame)
        var badProbability = frame; badProbability["probability"] = 1.5; broken.append(badProbability)
        var noAttempt = source; noAttempt["attempt"] = nil; broken.append(noAttempt)
        var badCamera = health; badCamera["camera"] = "a.b"; broken.append(badCamera)
        var badSchema = health; badSchema["schema"] = 1; broken.append(badSchema)   // the previous version
        // Landmarks: each encoding with the other's parts, a packed part of the wrong length, no encoding.
        let jsonFrame = try json(Helpers.everyEvent[2].0, frame: 7), packedFrame = try json(Helpers.everyEvent[3].0, frame: 7)
        let jsonParts = jsonFrame["landmarks"] as! [String: Any], packedParts = packedFrame["landmarks"] as! [String: Any]
        var swapped = jsonParts; swapped["encoding"] = "f32_base64"
        var short = packedParts; short["pose"] = String((packedParts["pose"] as! String).dropLast(4))
        var unnamed = jsonParts; unnamed["encoding"] = nil
        for parts in [swapped, short, unnamed] { var f = jsonFrame; f["landmarks"] = parts; broken.append(f) }
        let verdicts = try validate(try [line(health), line(frame), line(source)] + broken.map(line))
        XCTAssertEqual(Array(verdicts.prefix(3)), ["ok", "ok", "ok"])
        for (verdict, object) in zip(verdicts.dropFirst(3), broken) {
            XCTAssertTrue(verdict.hasPrefix("invalid"), "accepted: \(object)")
        }
        // As published, the schema accepts a field added in a later release (consumers ignore unknown
        // keys) but still rejects the other breakages.
        var addedLater = source; addedLater["added_in_a_later_release"] = [1, 2]
        var nestedAdded = frame
        if var present = nestedAdded["present"] as? [String: Any] { present["feet"] = false; nestedAdded["present"] = present }
        let lenient = try validate(try [line(extra), line(addedLater), line(nestedAdded), line(badStatus), line(noAttempt)], strict: false)
        XCTAssertEqual(lenient, ["ok", "ok", "ok"] + lenient.suffix(2).filter { $0.hasPrefix("invalid") }, "\(lenient)")
        XCTAssertEqual(lenient.count, 5)
    }

    /// The JSON examples in docs/events.md validate and decode, so the documentation cannot drift.
    func testDocumentationExamplesAreValid() throws {
        let docs = try String(contentsOf: Helpers.schemaURL.deletingLastPathComponent().appendingPathComponent("events.md"),
                              encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in docs.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "```json" { current = [] } else if line == "```", let body = current {
                blocks.append(body.joined(separator: "\n"))
                current = nil
            } else { current?.append(line) }
        }
        XCTAssertGreaterThanOrEqual(blocks.count, 8)
        var kinds = Set<EventKind>()
        var lines: [String] = []
        for block in blocks {
            let message = try JSONDecoder().decode(EventMessage.self, from: Data(block.utf8))
            kinds.insert(message.envelope.kind)
            // Re-serialize compactly: one event per line for the validator.
            let object = try JSONSerialization.jsonObject(with: Data(block.utf8))
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        }
        XCTAssertEqual(kinds, Set(EventKind.allCases), "docs/events.md must show every kind")
        for (verdict, block) in zip(try validate(lines), blocks) { XCTAssertEqual(verdict, "ok", block) }
    }
}
