import Foundation
import SigndEvents
import SigndTestSupport
import XCTest

/// The real `signd` binary under the signals and outputs systemd gives it: SIGHUP reloads, log lines carry
/// journald priorities when stderr is the journal, third-party chatter stays below `log_level`.
final class LifecycleTests: XCTestCase {
    private var temp: TemporaryDirectory!

    override func setUpWithError() throws {
        temp = try TemporaryDirectory(prefix: "signd-lifecycle")
        _ = try TestPaths.requireSigndBinary()
    }

    override func tearDownWithError() throws { temp.remove() }

    private func startServer(port: Int) throws -> BackgroundProcess {
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Scripts/rtsp_server.py").path
        let server = try BackgroundProcess("/usr/bin/python3", [script, "--port", String(port)])
        guard server.waitForLine(containing: "ready", timeout: 10) else { throw SetupRequirement.missing("GStreamer RTSP server unavailable") }
        return server
    }

    private func config(port: Int, endpoints: [String], logLevel: String = "info") -> String {
        """
        camera_id: reload
        log_level: \(logLevel)
        source: {uri: 'rtsp://127.0.0.1:\(port)/test'}
        landmarks: {enabled: false, models_dir: '\(TestPaths.models.path)'}
        windows: {max_span_factor: null}
        heads: {multiclass: null, enter_threshold: 0, exit_threshold: 0, min_start_frames: 1}
        events: {endpoints: [\(endpoints.map { "'\($0)'" }.joined(separator: ", "))]}
        systemd: {notify: false}
        """
    }

    /// SIGHUP re-reads the file: a new endpoint is bound and serves events, the log level changes, the open
    /// segment is not dropped; a broken file is refused and the running config stays; SIGTERM still ends it
    /// cleanly. (Before, SIGHUP killed the daemon with status 129 and no final events.)
    func testSIGHUPReloadsWithoutDroppingTheSegment() throws {
        let port = freeTCPPort()
        let server = try startServer(port: port)
        defer { server.stop() }
        let first = "ipc://\(temp.path)/first"
        let second = "ipc://\(temp.path)/second"
        let file = temp.url.appendingPathComponent("reload.yaml")
        try config(port: port, endpoints: [first]).write(to: file, atomically: true, encoding: .utf8)
        let events = temp.url.appendingPathComponent("events.txt")
        let daemon = try BackgroundProcess(TestPaths.signdBinary.path, ["run", "--config", file.path, "--print-events"], outputFile: events)
        defer { daemon.stop() }
        // Through FileHandle: String(contentsOf:) on a file another process is appending to leaks its buffer
        // in FoundationEssentials (LeakSanitizer reported it under `make test-sanitize`).
        func printed() -> String {
            guard let handle = try? FileHandle(forReadingFrom: events) else { return "" }
            defer { try? handle.close() }
            return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        }
        func waitFor(_ what: String, timeout: TimeInterval) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline { if printed().contains(what) { return true }; Thread.sleep(forTimeInterval: 0.1) }
            return false
        }
        XCTAssertTrue(waitFor("\"phase\":\"start\"", timeout: 30), "a segment opens: \(printed().suffix(2000))")

        try config(port: port, endpoints: [first, second], logLevel: "debug").write(to: file, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        XCTAssertTrue(daemon.waitForLine(containing: "configuration reloaded", timeout: 10), "reload logged")
        let late = try EventSubscriber(endpoint: second)
        defer { late.close() }
        var got: ReceivedEvent?
        let deadline = Date().addingTimeInterval(10)
        while got == nil, Date() < deadline { got = try late.receive(timeoutMilliseconds: 500) }
        XCTAssertEqual(got?.message.envelope.camera, "reload", "the endpoint added by the reload serves events")

        try "source: [unclosed\n".write(to: file, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        XCTAssertTrue(daemon.waitForLine(containing: "reload failed, keeping the running configuration", timeout: 10))
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertTrue(daemon.process.isRunning, "a broken file on reload does not stop the daemon")

        daemon.finish(signal: SIGTERM)
        XCTAssertEqual(daemon.process.terminationReason, .exit)
        XCTAssertEqual(daemon.process.terminationStatus, 0)
        let states = printed().split(separator: "\n").filter { $0.hasPrefix("signd.reload.state ") }
        XCTAssertEqual(states.filter { $0.contains("\"phase\":\"start\"") }.count, 1, "one segment across both reloads")
        let ends = states.filter { $0.contains("\"phase\":\"end\"") }
        XCTAssertEqual(ends.count, 1)
        XCTAssertTrue(ends.first?.contains("\"reason\":\"stopping\"") == true, "\(ends)")
    }

    /// With stderr connected to the journal (`$JOURNAL_STREAM` names its device and inode, as systemd sets
    /// it), every line starts with a syslog priority and has no timestamp of its own; otherwise lines start
    /// with a timestamp. FFmpeg's "Connection refused" chatter of a reconnect loop stays out at `info`.
    func testJournalPrioritiesAndQuietThirdPartyOutput() throws {
        let pipe = Pipe()
        var info = stat()
        XCTAssertEqual(fstat(pipe.fileHandleForWriting.fileDescriptor, &info), 0)
        let yaml = temp.url.appendingPathComponent("absent.yaml")
        try """
        source: {uri: 'rtsp://127.0.0.1:\(freeTCPPort())/none', open_timeout_ms: 500,
                 reconnect: {max_attempts: 2, initial_delay_ms: 100}}
        landmarks: {enabled: false}
        heads: {enabled: false}
        events: {endpoints: ['ipc://\(temp.path)/journal']}
        systemd: {notify: false}
        """.write(to: yaml, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = TestPaths.signdBinary
        process.arguments = ["run", "--config", yaml.path]
        process.environment = ProcessInfo.processInfo.environment.merging(["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"]) { $1 }
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try pipe.fileHandleForWriting.close()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 69, output)
        let lines = output.split(separator: "\n").filter { !$0.hasPrefix("signd: ") }   // the final one-line error
        XCTAssertFalse(lines.isEmpty)
        for line in lines {
            XCTAssertNotNil(line.range(of: #"^<[2-7]>"#, options: .regularExpression), "no priority: \(line)")
            XCTAssertNil(line.range(of: #"\d{4}-\d{2}-\d{2}T"#, options: .regularExpression), "journald stamps lines itself: \(line)")
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("<4>source lost") }, output)
        XCTAssertTrue(lines.contains { $0.hasPrefix("<3>source failed") }, output)
        XCTAssertFalse(output.contains("Connection refused"), "FFmpeg's own lines at log_level info: \(output)")

        let plain = try runProcessCombined(TestPaths.signdBinary.path, ["run", "--config", yaml.path])
        XCTAssertEqual(plain.status, 69)
        let first = try XCTUnwrap(plain.output.split(separator: "\n").first)
        XCTAssertNotNil(first.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (warning|info|notice) signd: "#, options: .regularExpression), String(first))
    }

    /// SIGTERM while a stream is still being opened (a server that accepts the connection and never
    /// answers) stops the daemon at once, not after `open_timeout_ms`, which can exceed the unit's
    /// `TimeoutStopSec`.
    func testSIGTERMDuringALongOpenStopsAtOnce() throws {
        let port = freeTCPPort()
        let silent = try BackgroundProcess("/usr/bin/python3", ["-c", """
            import socket, time
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", \(port))); s.listen(8); print("ready", flush=True)
            conns = []
            while True:
                c, _ = s.accept(); conns.append(c)
            """])
        defer { silent.stop() }
        XCTAssertTrue(silent.waitForLine(containing: "ready", timeout: 10))
        let file = temp.url.appendingPathComponent("slow.yaml")
        try """
        source: {uri: 'rtsp://127.0.0.1:\(port)/never', open_timeout_ms: 30000}
        landmarks: {enabled: false}
        heads: {enabled: false}
        events: {endpoints: ['ipc://\(temp.path)/slow']}
        systemd: {notify: false}
        """.write(to: file, atomically: true, encoding: .utf8)
        let daemon = try BackgroundProcess(TestPaths.signdBinary.path, ["run", "--config", file.path])
        defer { daemon.stop() }
        XCTAssertTrue(daemon.waitForLine(containing: "opening source", timeout: 10))
        Thread.sleep(forTimeInterval: 1)   // the open is under way on the grab thread
        let signalled = Date()
        kill(daemon.process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while daemon.process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertFalse(daemon.process.isRunning, "still running 10 s after SIGTERM")
        XCTAssertLessThan(Date().timeIntervalSince(signalled), 5, "stopped without waiting for the 30 s open timeout")
        XCTAssertEqual(daemon.process.terminationStatus, 0)
    }
}
