import Foundation
import SigndConfig
import SigndTestSupport
import XCTest

final class ConfigLoaderTests: XCTestCase {
    func testFullConfigParses() throws {
        let yaml = """
        camera_id: lobby-1
        log_level: debug
        source:
          uri: clips/demo.mp4
          realtime: yes
          read_timeout_ms: 2_000
          reconnect: {initial_delay_ms: 250, max_delay_ms: 8000, max_attempts: 5}
        landmarks: {enabled: true, models_dir: /opt/signd/models, face: false, threads: 2}
        windows: {length: 25}
        events:
          endpoints: [tcp://0.0.0.0:5556, ipc:///run/signd/events]
          send_hwm: 500
          stats_interval_s: 2.5
        systemd: {notify: false}
        """
        let config = try ConfigLoader.parse(yaml: yaml, file: "/etc/signd/lobby.yaml", baseDirectory: "/etc/signd")
        XCTAssertEqual(config.cameraID, "lobby-1")
        XCTAssertEqual(config.logLevel, .debug)
        XCTAssertEqual(config.source.uri, "/etc/signd/clips/demo.mp4", "relative file paths resolve against the config's directory")
        XCTAssertTrue(config.source.realtime)
        XCTAssertEqual(config.source.readTimeoutMillis, 2000)
        XCTAssertEqual(config.source.reconnectMaxAttempts, 5)
        XCTAssertEqual(config.landmarks.modelsDirectory, "/opt/signd/models")
        XCTAssertEqual(config.landmarks.threads, 2)
        XCTAssertEqual(config.windows.length, 25)
        XCTAssertEqual(config.events.endpoints, ["tcp://0.0.0.0:5556", "ipc:///run/signd/events"])
        XCTAssertEqual(config.events.statsIntervalSeconds, 2.5)
        XCTAssertFalse(config.systemd.notify)
        XCTAssertNoThrow(try ConfigLoader.validate(config, file: "x"))
    }

    func testCamerasAndURLsAreNotTreatedAsPaths() throws {
        for uri in ["0", "/dev/video0", "rtsp://cam/stream"] {
            let config = try ConfigLoader.parse(yaml: "source: {uri: '\(uri)'}", baseDirectory: "/etc/signd")
            XCTAssertEqual(config.source.uri, uri)
        }
    }

    private func assertError(_ yaml: String, key: String?, line: Int?, contains fragment: String, file: StaticString = #filePath, lineNo: UInt = #line) {
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: yaml, file: "bad.yaml"), file: file, line: lineNo) { error in
            guard let error = error as? ConfigError else { return XCTFail("\(error)", file: file, line: lineNo) }
            XCTAssertEqual(error.key, key, file: file, line: lineNo)
            XCTAssertEqual(error.line, line, file: file, line: lineNo)
            XCTAssertTrue(error.description.contains(fragment), error.description, file: file, line: lineNo)
            XCTAssertTrue(error.description.hasPrefix("config 'bad.yaml'"), error.description, file: file, line: lineNo)
        }
    }

    /// Found by fuzzing: deeply nested flow mappings overflowed the stack of `check-config` and `run` (3,000
    /// levels in the fuzzer's build; 30,000 segfault this debug build without the bound). The depth is
    /// bounded before parsing; quoted brackets and comments do not count; deep indentation is refused too.
    func testDeepNestingIsAnErrorNotACrash() {
        let deep = "source: " + String(repeating: "{a: ", count: 30_000) + "1" + String(repeating: "}", count: 30_000) + "\n"
        assertError(deep, key: nil, line: 1, contains: "nested more than 64 levels deep")
        assertError("camera_id: x\nsource:\n  uri: " + String(repeating: "[", count: 65) + "\n", key: nil, line: 3, contains: "nested more than 64")
        assertError("source:\n" + String(repeating: " ", count: 600) + "uri: a.mp4\n", key: nil, line: 2, contains: "indented more than 512")
        let quoted = "source: {uri: '" + String(repeating: "[{", count: 200) + "'}  # " + String(repeating: "{", count: 100) + "\n"
        XCTAssertNoThrow(try ConfigLoader.parse(yaml: quoted))
        XCTAssertEqual(try? ConfigLoader.parse(yaml: quoted).source.uri, String(repeating: "[{", count: 200))
    }

    func testErrorsNameKeyAndLine() {
        assertError("source:\n  uri: a.mp4\n  read_timout_ms: 10\n", key: "source.read_timout_ms", line: 3, contains: "did you mean 'read_timeout_ms'")
        assertError("source:\n  uri: a.mp4\n  read_timeout_ms: soon\n", key: "source.read_timeout_ms", line: 3, contains: "expected an integer, got 'soon'")
        assertError("windows: {length: 0}\n", key: "windows.length", line: 1, contains: "between 1 and 1000")
        assertError("windows:\n  stride: 2\n", key: "windows.stride", line: 2, contains: "use heads.stride")
        assertError("source: [1, 2]\n", key: "source", line: 1, contains: "expected a mapping")
        assertError("camera_id: 'lobby one'\n", key: "camera_id", line: 1, contains: "letters, digits")
        assertError("events:\n  endpoints: [http://x]\n", key: "events.endpoints", line: 2, contains: "not a ZeroMQ endpoint")
        assertError("landmarks: {face: maybe}\n", key: "landmarks.face", line: 1, contains: "true or false")
        assertError("source: {uri: a}\nsource: {uri: b}\n", key: "source", line: 2, contains: "duplicate key")
        assertError("events:\n  curve: {server_secret_key: short}\n", key: "events.curve.server_secret_key", line: 2, contains: "Z85")
        assertError("source: {uri: [unclosed\n", key: nil, line: 2, contains: "invalid YAML")
        assertError("- just\n- a list\n", key: nil, line: 1, contains: "top level must be a mapping")
    }

    func testValidationOfMergedConfig() {
        var config = SigndConfiguration()
        XCTAssertThrowsError(try ConfigLoader.validate(config, file: "c.yaml")) { XCTAssertEqual(($0 as? ConfigError)?.key, "source.uri") }
        config.source.uri = "x.mp4"
        config.source.reconnectMaxDelayMillis = 100
        XCTAssertThrowsError(try ConfigLoader.validate(config, file: "c.yaml")) {
            XCTAssertEqual(($0 as? ConfigError)?.key, "source.reconnect.max_delay_ms")
        }
    }

    /// `landmarks.refine_face` refines the face stage's points, so it needs the face stage.
    func testPipelinedLandmarksKey() throws {
        XCTAssertFalse(SigndConfiguration().landmarks.pipelined, "off by default: it adds latency where nothing is dropped")
        let config = try ConfigLoader.parse(yaml: "source: {uri: x.mp4}\nlandmarks: {pipelined: true}\n", file: "c.yaml", baseDirectory: "/")
        XCTAssertTrue(config.landmarks.pipelined)
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: "landmarks:\n  pipelined: twice\n", file: "c.yaml", baseDirectory: "/")) {
            XCTAssertEqual(($0 as? ConfigError)?.key, "landmarks.pipelined")
            XCTAssertEqual(($0 as? ConfigError)?.line, 2)
        }
    }

    /// `cameras:`: each entry's id and source (the top-level source's keys), relative files resolved, and
    /// every mistake named by its list position.
    func testCamerasList() throws {
        let yaml = """
        cameras:
          - id: door
            source: {uri: clips/door.mp4, loop: true}
          - id: desk
            source:
              uri: rtsp://cam/desk
              rtsp_transport: tcp
        """
        let config = try ConfigLoader.parse(yaml: yaml, file: "c.yaml", baseDirectory: "/etc/signd")
        XCTAssertEqual(config.cameraList.map(\.id), ["door", "desk"])
        XCTAssertEqual(config.cameras[0].source.uri, "/etc/signd/clips/door.mp4")
        XCTAssertTrue(config.cameras[0].source.loop)
        XCTAssertEqual(config.cameras[1].source.uri, "rtsp://cam/desk")
        XCTAssertEqual(config.cameras[1].source.capture.rtspTransport, .tcp)
        XCTAssertNoThrow(try ConfigLoader.validate(config, file: "c.yaml"))
        let desk = config.forCamera(config.cameras[1])
        XCTAssertEqual(desk.cameraID, "desk")
        XCTAssertEqual(desk.source, config.cameras[1].source)
        XCTAssertEqual(desk.cameraList.map(\.id), ["desk"])
        XCTAssertEqual(SigndConfiguration().cameraList.map(\.id), ["cam0"], "no list: the one camera is camera_id + source")

        func problem(_ yaml: String) -> (key: String?, line: Int?, text: String) {
            do {
                try ConfigLoader.validate(try ConfigLoader.parse(yaml: yaml, file: "c.yaml", baseDirectory: "/"), file: "c.yaml")
                return (nil, nil, "accepted")
            } catch { return (error.key, error.line, error.problem) }
        }
        XCTAssertEqual(problem("cameras:\n  - id: a\n    source: {uri: a.mp4}\nsource: {uri: b.mp4}\n").key, "source",
                       "a list and a top-level source: which one runs would be a guess")
        XCTAssertEqual(problem("camera_id: x\ncameras:\n  - id: a\n    source: {uri: a.mp4}\n").key, "camera_id")
        XCTAssertEqual(problem("cameras:\n  - id: a\n    source: {uri: a.mp4}\n  - id: a\n    source: {uri: b.mp4}\n").key, "cameras[1].id")
        XCTAssertEqual(problem("cameras:\n  - id: a\n    source: {uri: a.mp4}\n  - id: b\n").key, "cameras[1].source")
        XCTAssertEqual(problem("cameras:\n  - source: {uri: a.mp4}\n").key, "cameras[0].id")
        XCTAssertEqual(problem("cameras:\n  - id: a.b\n    source: {uri: a.mp4}\n").key, "cameras[0].id")
        XCTAssertEqual(problem("cameras:\n  - id: a\n    source: {realtime: true}\n").key, "cameras[0].source.uri")
        let typo = problem("cameras:\n  - id: a\n    source: {uri: a.mp4, lop: true}\n")
        XCTAssertEqual(typo.key, "cameras[0].source.lop")
        XCTAssertEqual(typo.line, 3)
        XCTAssertTrue(typo.text.contains("did you mean 'loop'"), typo.text)
        XCTAssertEqual(problem("cameras:\n  - id: a\n    source: {uri: a.mp4}\n    name: x\n").key, "cameras[0].name")
        XCTAssertEqual(problem("cameras: []\n").key, "cameras")
        XCTAssertEqual(problem("cameras: {id: a}\n").key, "cameras")
        // Every integration serves several cameras.
        let two = "cameras:\n  - id: a\n    source: {uri: a.mp4}\n  - id: b\n    source: {uri: b.mp4}\n"
        XCTAssertEqual(problem(two + "metrics: {enabled: true}\n").text, "accepted", "metrics label each camera")
        XCTAssertEqual(problem(two + "mqtt: {enabled: true}\n").text, "accepted", "MQTT: one device per camera")
        XCTAssertEqual(problem(two + "events: {status_endpoint: 'tcp://127.0.0.1:5557'}\n").text, "accepted", "a request names the camera")
        XCTAssertEqual(problem(two + "live_view: {enabled: true}\n").text, "accepted", "a page per camera")
    }

    func testRefineFaceNeedsTheFaceStage() throws {
        var config = try ConfigLoader.parse(yaml: "source: {uri: x.mp4}\nlandmarks: {refine_face: true}\n", file: "c.yaml", baseDirectory: "/")
        XCTAssertTrue(config.landmarks.refineFace)
        XCTAssertThrowsError(try ConfigLoader.validate(config, file: "c.yaml")) {
            XCTAssertEqual(($0 as? ConfigError)?.key, "landmarks.refine_face")
            XCTAssertTrue("\($0)".contains("landmarks.face: true"), "\($0)")
        }
        config.landmarks.face = true
        XCTAssertNoThrow(try ConfigLoader.validate(config, file: "c.yaml"))
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: "landmarks: {refine_face: maybe}\n", file: "c.yaml", baseDirectory: "/")) {
            XCTAssertEqual(($0 as? ConfigError)?.key, "landmarks.refine_face")
        }
    }

    func testMissingFileIsNamed() {
        XCTAssertThrowsError(try ConfigLoader.load(path: "/nonexistent/signd.yaml")) {
            XCTAssertTrue("\($0)".contains("/nonexistent/signd.yaml"))
        }
    }
}

/// The models directory rule every subcommand shares: flag, then file, then `$SIGND_MODELS_DIR`, then ./Models.
final class ModelsDirectoryRuleTests: XCTestCase {
    func testFlagThenFileThenEnvironmentThenDefault() throws {
        let env = ["SIGND_MODELS_DIR": "/env/models"]
        var plain = SigndConfiguration()
        plain.chooseModelsDirectory(flag: nil, environment: [:])
        XCTAssertEqual(plain.landmarks.modelsDirectory, "Models")
        plain.chooseModelsDirectory(flag: nil, environment: env)
        XCTAssertEqual(plain.landmarks.modelsDirectory, "/env/models")
        XCTAssertEqual(plain.binaryStem, "/env/models/signing-binary", "the default heads follow the directory")

        var fromFile = try ConfigLoader.parse(yaml: "landmarks: {models_dir: /file/models}")
        fromFile.chooseModelsDirectory(flag: nil, environment: env)
        XCTAssertEqual(fromFile.landmarks.modelsDirectory, "/file/models", "the file wins over the variable")
        fromFile.chooseModelsDirectory(flag: "/flag/models", environment: env)
        XCTAssertEqual(fromFile.landmarks.modelsDirectory, "/flag/models", "the flag wins over both")
    }
}

/// docs/configuration.md and the loader name the same keys: every documented key parses, every key the
/// loader accepts is documented, and an undocumented one is refused.
final class ConfigDocumentationTests: XCTestCase {
    func testDocumentedKeysAreExactlyTheAcceptedOnes() throws {
        let docs = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let documented = docs.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `"), let end = line.dropFirst(3).firstIndex(of: "`") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 3)..<end])
        }
        XCTAssertEqual(documented, ConfigKeys.all, "docs/configuration.md's key table and ConfigKeys differ")
        // Each key is accepted where the table puts it (a value of the wrong type gives a type error, never
        // "unknown key").
        for key in ConfigKeys.all {
            let parts = key.split(separator: ".")
            var yaml = ""
            for (depth, part) in parts.enumerated() {
                yaml += String(repeating: "  ", count: depth) + part + ":" + (depth == parts.count - 1 ? " []\n" : "\n")
            }
            do {
                _ = try ConfigLoader.parse(yaml: yaml)
            } catch {
                XCTAssertFalse(error.problem.contains("unknown key"), "\(key): \(error)")
            }
        }
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: "health:\n  undocumented: 1\n")) { error in
            XCTAssertTrue("\(error)".contains("unknown key"), "\(error)")
        }
    }
}

/// Secrets kept out of the main file: `${NAME}` references and the CURVE key in its own file.
final class ConfigSecretsTests: XCTestCase {
    private let key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"   // a Z85 key of the right shape (not a real one)

    func testEnvironmentReferencesExpandAndTheWrittenFormIsKept() throws {
        let config = try ConfigLoader.parse(yaml: "source: {uri: 'rtsp://viewer:${CAM_PASSWORD}@cam/${CAM_PATH}'}",
                                            environment: ["CAM_PASSWORD": "hunter2", "CAM_PATH": "stream1"])
        XCTAssertEqual(config.source.uri, "rtsp://viewer:hunter2@cam/stream1")
        XCTAssertEqual(config.source.shownURI, "rtsp://viewer:${CAM_PASSWORD}@cam/${CAM_PATH}", "what logs show")
        let plain = try ConfigLoader.parse(yaml: "source: {uri: 'rtsp://cam/s$1'}")
        XCTAssertNil(plain.source.uriAsWritten, "a $ without braces is literal")
        XCTAssertEqual(plain.source.shownURI, "rtsp://cam/s$1")
    }

    func testUnsetOrMalformedReferencesAreErrorsThatNameTheVariable() {
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: "source: {uri: 'rtsp://u:${CAM_PASSWORD}@cam'}", environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("environment variable CAM_PASSWORD is not set"), "\(error)")
            XCTAssertTrue("\(error)".contains("source.uri"), "\(error)")
        }
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: "source: {uri: 'rtsp://u:${CAM@cam'}")) { error in
            XCTAssertTrue("\(error)".contains("unterminated"), "\(error)")
        }
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: "source: {uri: 'rtsp://${1X}/s'}", environment: ["1X": "a"])) { error in
            XCTAssertTrue("\(error)".contains("not an environment variable name"), "\(error)")
        }
    }

    func testSecretKeyFileIsReadFromTheEnvironmentsDirectoryAndNeverEchoed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("signd-curve.key")
        try (key + "\n").write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        let yaml = "events:\n  curve:\n    server_secret_key_file: '${CREDENTIALS_DIRECTORY}/signd-curve.key'\n    allowed_client_keys: ['\(key)']\n"
        let config = try ConfigLoader.parse(yaml: yaml, environment: ["CREDENTIALS_DIRECTORY": dir.path])
        XCTAssertEqual(config.events.curve?.serverSecretKey, key)
        XCTAssertEqual(config.events.curve?.serverSecretKeyFile, file.path)

        // Readable by every user: refused, naming the file, not its content.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: yaml, environment: ["CREDENTIALS_DIRECTORY": dir.path])) { error in
            XCTAssertTrue("\(error)".contains("readable or writable by every user"), "\(error)")
            XCTAssertTrue("\(error)".contains(file.path) && !"\(error)".contains(key), "\(error)")
        }
        // Not a key: the message names the file and never prints what is in it.
        let garbage = "not-a-key-but-a-secret-anyway"
        try garbage.write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: yaml, environment: ["CREDENTIALS_DIRECTORY": dir.path])) { error in
            XCTAssertTrue("\(error)".contains("does not hold a 40-character Z85"), "\(error)")
            XCTAssertFalse("\(error)".contains(garbage), "\(error)")
        }
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: yaml.replacingOccurrences(of: "signd-curve.key", with: "absent.key"),
                                                    environment: ["CREDENTIALS_DIRECTORY": dir.path])) { error in
            XCTAssertTrue("\(error)".contains("cannot read \(dir.path)/absent.key"), "\(error)")
        }
        let both = "events:\n  curve:\n    server_secret_key: '\(key)'\n    server_secret_key_file: /x\n    allowed_client_keys: ['\(key)']\n"
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: both)) { error in
            XCTAssertTrue("\(error)".contains("not both"), "\(error)")
        }
    }

    func testMQTTPasswordComesFromAPrivateFileAndIsNeverEchoed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-mqtt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("mqtt.password")
        let password = "correct horse battery staple"
        try (password + "\n").write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        let yaml = "mqtt:\n  username: signd\n  password_file: '${CREDENTIALS_DIRECTORY}/mqtt.password'\n"
        let config = try ConfigLoader.parse(yaml: yaml, environment: ["CREDENTIALS_DIRECTORY": dir.path])
        XCTAssertEqual(config.mqtt.password, password)
        XCTAssertEqual(config.mqtt.passwordFile, file.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o604], ofItemAtPath: file.path)
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: yaml, environment: ["CREDENTIALS_DIRECTORY": dir.path])) { error in
            XCTAssertTrue("\(error)".contains("mqtt.password_file") && "\(error)".contains("readable or writable by every user"), "\(error)")
            XCTAssertFalse("\(error)".contains(password), "\(error)")
        }
    }
}

/// The integrations' keys (metrics, mqtt, live_view), with the loader's error helper.
extension ConfigLoaderTests {
    func testIntegrationKeysParseAndBadValuesNameTheKey() throws {
        let config = try ConfigLoader.parse(yaml: """
        metrics: {enabled: true, address: 0.0.0.0, port: 9100}
        mqtt: {enabled: true, host: broker.lan, port: 8883, client_id: kiosk-7, username: signd, topic_prefix: home/signd,
               discovery_prefix: null, keepalive_s: 10, qos: 2}
        """)
        XCTAssertEqual(config.metrics.address, "0.0.0.0")
        XCTAssertEqual(config.metrics.port, 9100)
        XCTAssertTrue(config.mqtt.enabled)
        XCTAssertEqual(config.mqtt.host, "broker.lan")
        XCTAssertEqual(config.mqtt.clientID, "kiosk-7")
        // Each camera connects on its own, so with several each needs its own id (a broker drops the older of two).
        XCTAssertEqual(config.mqtt.clientID(camera: "door", cameras: 1), "kiosk-7")
        XCTAssertEqual(config.mqtt.clientID(camera: "door", cameras: 2), "kiosk-7-door")
        XCTAssertEqual(SigndConfiguration.MQTT().clientID(camera: "door", cameras: 2), "signd-door")
        XCTAssertEqual(config.mqtt.topicPrefix, "home/signd")
        XCTAssertNil(config.mqtt.discoveryPrefix)
        XCTAssertEqual(config.mqtt.qos, 2)
        assertError("metrics:\n  port: 70000\n", key: "metrics.port", line: 2, contains: "between 0 and 65535")
        assertError("metrics:\n  address: 'http://x'\n", key: "metrics.address", line: 2, contains: "host name or IP address")
        assertError("mqtt:\n  topic_prefix: 'signd/#'\n", key: "mqtt.topic_prefix", line: 2, contains: "wildcards")
        assertError("mqtt:\n  topic_prefix: '/signd'\n", key: "mqtt.topic_prefix", line: 2, contains: "start or end with '/'")
        assertError("mqtt:\n  qos: 3\n", key: "mqtt.qos", line: 2, contains: "between 0 and 2")
        assertError("mqtt:\n  hots: x\n", key: "mqtt.hots", line: 2, contains: "did you mean 'host'")
        assertError("live_view:\n  fps: 60\n", key: "live_view.fps", line: 2, contains: "between 0.5 and 30")
        assertError("live_view:\n  width: 100\n", key: "live_view.width", line: 2, contains: "between 160 and 1920")
    }
}
