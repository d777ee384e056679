import Foundation
import SigndEvents
import SigndTestSupport
import XCTest

/// The subscriber examples in examples/ build and print events from a real publisher.
final class ExampleTests: XCTestCase {
    static let examples = TestPaths.packageRoot.appendingPathComponent("examples")

    /// Each output line is `topic JSON`; the JSON decodes as an event of that topic.
    func checkLines(_ output: String, count: Int, camera: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let lines = output.split(separator: "\n")
        XCTAssertEqual(lines.count, count, output, file: file, line: line)
        for text in lines {
            let parts = text.split(separator: " ", maxSplits: 1)
            XCTAssertEqual(parts.count, 2, String(text), file: file, line: line)
            let message = try JSONDecoder().decode(EventMessage.self, from: Data(parts[1].utf8))
            XCTAssertEqual(String(parts[0]), message.topic, file: file, line: line)
            XCTAssertEqual(message.envelope.camera, camera, file: file, line: line)
        }
    }

    func testCExampleCompilesAndPrintsEvents() throws {
        guard let cc = Helpers.which("cc") else { throw SetupRequirement.missing("cc not found: the C example is not checked") }
        let dir = try Helpers.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let binary = dir.appendingPathComponent("subscriber").path
        let build = try Helpers.run(cc, [Self.examples.appendingPathComponent("subscriber.c").path, "-o", binary, "-lzmq"])
        XCTAssertEqual(build.status, 0, "cc failed: \(build.stderr)")

        let endpoint = "ipc://\(dir.path)/events"
        let publisher = try EventPublisher(configuration: .init(camera: "cam0", endpoints: [endpoint]))
        defer { publisher.close() }
        let background = BackgroundPublishing(publisher)
        let result = try Helpers.run(binary, [endpoint, "signd.cam0.frame", "5"], timeout: 30)
        background.stop()
        XCTAssertFalse(result.timedOut, "the C subscriber received fewer than 5 events in 30 s")
        XCTAssertEqual(result.status, 0, result.stderr)
        try checkLines(result.stdout, count: 5, camera: "cam0")
        XCTAssertTrue(result.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("signd.cam0.frame ") })
    }

    func pythonWithZmq() throws -> String {
        guard let python = Helpers.which("python3") else { throw SetupRequirement.missing("python3 not found") }
        let probe = try Helpers.run(python, ["-c", "import zmq"])
        if probe.status != 0 { throw SetupRequirement.missing("pyzmq is not installed (pip install pyzmq): the Python example is not checked") }
        return python
    }

    func testPythonExamplePrintsEvents() throws {
        let python = try pythonWithZmq()
        let publisher = try EventPublisher(configuration: .init(camera: "cam7", endpoints: ["tcp://127.0.0.1:*"]))
        defer { publisher.close() }
        let background = BackgroundPublishing(publisher)
        let result = try Helpers.run(
            python,
            [Self.examples.appendingPathComponent("subscriber.py").path, "--endpoint", publisher.boundEndpoints[0],
             "--topic", "signd.cam7.", "--count", "6", "--timeout", "20"],
            timeout: 60)
        background.stop()
        XCTAssertEqual(result.status, 0, result.stderr)
        try checkLines(result.stdout, count: 6, camera: "cam7")
    }

    func testPythonExampleWithCurve() throws {
        let python = try pythonWithZmq()
        let dir = try Helpers.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try CurveKeyPair.generate()
        let client = try CurveKeyPair.generate()
        let secretFile = dir.appendingPathComponent("client.secret")
        try Data(client.secretKey.z85.utf8).write(to: secretFile)
        let publisher = try EventPublisher(configuration: .init(
            camera: "cam7", endpoints: ["tcp://127.0.0.1:*"],
            curve: .init(secretKey: server.secretKey, clients: .allowList([client.publicKey]))))
        defer { publisher.close() }
        let background = BackgroundPublishing(publisher)
        defer { background.stop() }
        let script = Self.examples.appendingPathComponent("subscriber.py").path
        let common = [script, "--endpoint", publisher.boundEndpoints[0], "--server-key=\(server.publicKey.z85)",
                      "--secret-key-file", secretFile.path]
        let allowed = try Helpers.run(python, common + ["--public-key=\(client.publicKey.z85)", "--count", "3",
                                                        "--timeout", "20"], timeout: 60)
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        try checkLines(allowed.stdout, count: 3, camera: "cam7")
        // A valid key pair that is not on the allow-list: the ZAP handler refuses it, nothing arrives.
        let stranger = try CurveKeyPair.generate()
        let strangerSecret = dir.appendingPathComponent("stranger.secret")
        try Data(stranger.secretKey.z85.utf8).write(to: strangerSecret)
        let refused = try Helpers.run(
            python,
            [script, "--endpoint", publisher.boundEndpoints[0], "--server-key=\(server.publicKey.z85)",
             "--secret-key-file", strangerSecret.path, "--public-key=\(stranger.publicKey.z85)", "--count", "1",
             "--timeout", "1.5"],
            timeout: 60)
        XCTAssertEqual(refused.status, 2, "a client key not on the allow-list received: \(refused.stdout)")
    }

    /// Z85 keys may begin with '-' (about one key in 85): the documented `--key=VALUE` form must take them.
    func testPythonExampleTakesKeysBeginningWithADash() throws {
        let python = try pythonWithZmq()
        let dashKey = "-" + String(repeating: "a", count: 39)
        let result = try Helpers.run(
            python, [Self.examples.appendingPathComponent("subscriber.py").path, "--server-key=\(dashKey)",
                     "--public-key=\(dashKey)"], timeout: 60)
        // Parsed both keys, then stopped at the missing secret key file (not at "expected one argument").
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("--server-key needs --public-key and --secret-key-file"), result.stderr)
    }
}
