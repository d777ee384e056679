import Foundation
import SigndCore
import SigndEvents
import SigndSTGCN
import SigndTestSupport
import XCTest

/// `signd replay` and `signd eval` as users run them, on the committed eval fixture.
final class OfflineCommandTests: XCTestCase {
    private let binary = TestPaths.fixtures.appendingPathComponent("stgcn/additive_binary_j75_c2/model").path
    private let data = TestPaths.fixtures.appendingPathComponent("eval").path

    override func setUpWithError() throws {
        _ = try TestPaths.requireSigndBinary()
    }

    func testReplayPrintsSegmentsPerFile() throws {
        let out = try runProcess(TestPaths.signdBinary.path, ["replay", data, "--binary", binary, "--multiclass", "none"])
        let decoder = JSONDecoder()
        let states = try out.split(separator: "\n").map { line -> (String, EventMessage) in
            let space = line.firstIndex(of: " ")!
            return (String(line[..<space]), try decoder.decode(EventMessage.self, from: Data(line[line.index(after: space)...].utf8)))
        }
        XCTAssertTrue(states.allSatisfy { $0.0 == "signd.replay.state" }, "only state events without --frame-events")
        let phases = states.compactMap { s -> String? in
            guard case .state(let e) = s.1.event else { return nil }
            return "\(e.phase.rawValue) \(e.startFrame)@\(s.1.envelope.frame!)"
        }
        // a_signing (40 frames) and c_false_alarm (30 frames): start at the first window, end with the file.
        XCTAssertEqual(phases, ["start 24@26", "end 24@39", "start 24@26", "end 24@29"])
    }

    /// `--window-outputs`: one line per frame that completed a window (frames 24… of each file), the raw
    /// P(signing) and the smoothed value the state machine saw (EMA 0.5, restarted with every file).
    func testReplayWritesWindowOutputs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-winout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("w.jsonl")
        try runProcess(TestPaths.signdBinary.path, ["replay", data, "--binary", binary, "--multiclass", "none",
                                                    "--window-outputs", file.path])
        struct Line: Decodable { let file: String; let frame: Int; let window_first: Int; let raw: Double; let smoothed: Double }
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        // a_signing 40 frames, b_idle 30, c_false_alarm 30
        XCTAssertEqual(Dictionary(grouping: lines, by: \.file).mapValues(\.count),
                       ["a_signing.npz": 16, "b_idle.npz": 6, "c_false_alarm.npz": 6])
        var previous: Line?
        for line in lines {
            XCTAssertEqual(line.window_first, line.frame - 24)
            XCTAssertTrue((0...1).contains(line.raw), "\(line)")
            if let p = previous, p.file == line.file {
                XCTAssertEqual(line.smoothed, 0.5 * line.raw + 0.5 * p.smoothed, accuracy: 1e-12)
            } else {
                XCTAssertEqual(line.frame, 24)
                XCTAssertEqual(line.smoothed, line.raw)
            }
            previous = line
        }
        XCTAssertThrowsError(try runProcess(TestPaths.signdBinary.path, ["replay", data, "--binary", binary,
                                                                         "--window-outputs", "/nonexistent/dir/w.jsonl"])) {
            XCTAssertTrue("\($0)".contains("--window-outputs: cannot create /nonexistent/dir/w.jsonl"), "\($0)")
        }
    }

    /// `signd bench` records where its figures came from and writes HdrHistogram's own `.hgrm` files.
    func testBenchWritesProvenanceAndHgrm() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let video = TestPaths.samples.appendingPathComponent("msl150_hoy_001.mp4").path
        _ = try runProcess(TestPaths.signdBinary.path, ["bench", video, "--modes", "decode", "-o", dir.path])
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("bench.json"))) as! [String: Any]
        let provenance = try XCTUnwrap(json["provenance"] as? [String: Any])
        XCTAssertEqual((provenance["inputs"] as? [String: String])?["video"], video)
        XCTAssertEqual(provenance["signd_version"] as? String, SigndVersion.string)
        XCTAssertNotNil((provenance["settings"] as? [String: Double])?["heads.enter_threshold"])
        let hgrm = try String(contentsOf: dir.appendingPathComponent("bench-decode-capture.hgrm"), encoding: .utf8)
        XCTAssertTrue(hgrm.contains("Percentile") && hgrm.contains("TotalCount"), hgrm)
        XCTAssertTrue(hgrm.contains("#[Mean") && hgrm.contains("Total count"), hgrm)
    }

    /// `signd bench --soak`: the sample (64 frames, 2.1 s) played at its rate and looped for 6 s, its first and
    /// last 2 s compared; soak.json has both windows with frames in them, and the run went past the file's
    /// end (frames processed plus dropped cover more than one pass). Bad durations are refused by name.
    func testSoakLoopsThePacedFileAndComparesWindows() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-soak-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let video = TestPaths.samples.appendingPathComponent("msl150_hoy_001.mp4").path
        let stdout = try runProcess(TestPaths.signdBinary.path, ["bench", video, "--soak", "6s", "--soak-window", "2s",
                                                                 "--multiclass", "none", "-o", dir.path])
        XCTAssertTrue(stdout.contains("drift (last − first)") && stdout.contains("RSS trend"), stdout)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("soak.json"))) as! [String: Any]
        let soak = try XCTUnwrap(json["soak"] as? [String: Any])
        let frames = try XCTUnwrap(soak["frames"] as? Int), dropped = try XCTUnwrap(soak["dropped"] as? Int)
        XCTAssertGreaterThan(frames + dropped, 64, "looped past the file's 64 frames")
        for name in ["first", "last"] {
            let window = try XCTUnwrap(soak[name] as? [String: Any], name)
            XCTAssertGreaterThan(window["frames"] as? Int ?? 0, 0, name)
            XCTAssertGreaterThan(window["rss_mean_mb"] as? Double ?? 0, 0, name)
            XCTAssertGreaterThan(window["capture_to_publish_p99_ms"] as? Double ?? 0, 0, name)
        }
        XCTAssertGreaterThanOrEqual((soak["last"] as! [String: Any])["start_s"] as! Double, 4, "the last window is the run's last 2 s")
        XCTAssertNotNil(json["provenance"])
        let bad = try runProcessCombined(TestPaths.signdBinary.path, ["bench", video, "--soak", "ten minutes"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.output.contains("--soak 'ten minutes'"), bad.output)
        let tooShort = try runProcessCombined(TestPaths.signdBinary.path, ["bench", video, "--soak", "5m", "--soak-window", "3m"])
        XCTAssertNotEqual(tooShort.status, 0)
        XCTAssertTrue(tooShort.output.contains("--soak-window 3m twice must fit"), tooShort.output)
    }

    /// `replay DIR` draws the progress bar `extract` and `eval` draw, on a terminal only: through a pseudo-
    /// terminal (util-linux `script`) it shows, through a pipe it does not.
    func testReplayShowsProgressOnATerminal() throws {
        let command = [TestPaths.signdBinary.path, "replay", data, "--binary", binary, "--multiclass", "none"].joined(separator: " ")
        let terminal = try runProcessCombined("/usr/bin/script", ["-qec", command, "/dev/null"])
        XCTAssertEqual(terminal.status, 0, terminal.output)
        XCTAssertTrue(terminal.output.contains("] 3/3 files"), terminal.output.suffix(400).description)
        let piped = try runProcessCombined(TestPaths.signdBinary.path, ["replay", data, "--binary", binary, "--multiclass", "none"])
        XCTAssertFalse(piped.output.contains("3/3 files"), "no bar without a terminal")
        let quiet = try runProcessCombined("/usr/bin/script", ["-qec", command + " --no-progress", "/dev/null"])
        XCTAssertFalse(quiet.output.contains("3/3 files"))
    }

    func testEvalWritesReportAndPlots() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-evalcmd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let stdout = try runProcess(TestPaths.signdBinary.path, ["eval", "--data", data, "--binary", binary, "--multiclass", "none",
                                                                 "-o", dir.path, "--no-progress"])
        XCTAssertTrue(stdout.contains("window: n=28 pos=16 PR-AUC=0.7273"), stdout)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("eval.json"))) as! [String: Any]
        let window = json["window"] as! [String: Any]
        XCTAssertEqual(window["tp"] as? Int, 16)
        XCTAssertEqual(window["fp"] as? Int, 6)
        XCTAssertEqual((json["per_video"] as! [Any]).count, 3)
        // Traceable: the head and its digest, the settings, the inputs, the machine and the build.
        let provenance = try XCTUnwrap(json["provenance"] as? [String: Any])
        let models = try XCTUnwrap(provenance["models"] as? [[String: Any]])
        XCTAssertEqual(models.count, 1)
        XCTAssertEqual(models[0]["stem"] as? String, binary)
        XCTAssertEqual(models[0]["sha256"] as? String, try runProcess("/usr/bin/sha256sum", [binary + ".safetensors"]).split(separator: " ").first.map(String.init))
        XCTAssertEqual((provenance["settings"] as? [String: Double])?["heads.enter_threshold"], 0.6)
        XCTAssertEqual((provenance["inputs"] as? [String: String])?["data"].map { URL(fileURLWithPath: $0).standardized.path }, URL(fileURLWithPath: data).standardized.path)
        XCTAssertEqual(provenance["signd_version"] as? String, SigndVersion.string)
        XCTAssertEqual((provenance["git_commit"] as? String)?.count, 40, "the binary lies in this checkout")
        let host = try XCTUnwrap(provenance["host"] as? [String: Any])
        XCTAssertGreaterThan(host["cores"] as? Int ?? 0, 0)
        XCTAssertFalse((host["cpu"] as? String ?? "").isEmpty)
        let kernels = try XCTUnwrap(host["blas_kernels"] as? String, "the heads' OpenBLAS kernels are recorded")
        if BLASCoreCheck.cpuFlags().isSuperset(of: ["avx", "avx2", "fma"]) {
            XCTAssertFalse(BLASCoreCheck.isGeneric(kernels), "eval's heads ran on generic \(kernels) kernels on an AVX2 CPU")
        }
        XCTAssertNotNil(ISO8601DateFormatter().date(from: provenance["date"] as? String ?? ""))
        for png in ["pr_curve.png", "videos/a_signing.png", "videos/b_idle.png", "videos/c_false_alarm.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(png).path), png)
        }
        // Bad input: a clear one-line error naming the file, non-zero exit.
        XCTAssertThrowsError(try runProcess(TestPaths.signdBinary.path, ["eval", "--data", "/nonexistent", "--binary", binary])) {
            XCTAssertTrue("\($0)".contains("/nonexistent/groundtruth.txt"), "\($0)")
        }
        XCTAssertNil(json["confirmed_events"], "confirmation off: no confirmed figures")
    }

    /// `--confirm-frames N` scores what a subscriber to `confirm` sees beside the `start` figures (the numbers
    /// by hand: `EvalFixtureTests.testConfirmedEventsCountConfirmedSegmentsFromTheirConfirm`), and a value the
    /// heads cannot use is refused with the key named.
    func testEvalScoresConfirmedSegments() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-evalconfirm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let stdout = try runProcess(TestPaths.signdBinary.path, ["eval", "--data", data, "--binary", binary, "--multiclass", "none",
                                                                 "--confirm-frames", "10", "-o", dir.path, "--no-progress", "--plots", "0"])
        XCTAssertTrue(stdout.contains("events: truth 1, detected 2, matched 1, missed 0, false alarms 1"), stdout)
        XCTAssertTrue(stdout.contains("confirmed events: truth 1, detected 1, matched 1, missed 0, false alarms 0; onset delay mean 1033.3333 ms"), stdout)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("eval.json"))) as! [String: Any]
        let confirmed = try XCTUnwrap(json["confirmed_events"] as? [String: Any])
        XCTAssertEqual(confirmed["false_alarms"] as? Int, 0)
        XCTAssertEqual(((json["provenance"] as? [String: Any])?["settings"] as? [String: Double])?["heads.confirm_frames"], 10)
        for bad in ["3", "-1"] {
            XCTAssertThrowsError(try runProcess(TestPaths.signdBinary.path, ["eval", "--data", data, "--binary", binary, "--confirm-frames=\(bad)",
                                                                             "-o", dir.path, "--no-progress"])) {
                XCTAssertTrue("\($0)".contains("heads.confirm_frames") && "\($0)".contains("more than heads.min_start_frames (3)"), "\($0)")
            }
        }
    }
}
