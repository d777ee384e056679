import Foundation
import SigndCapture
import SigndCore
@testable import SigndLandmarks
import SigndNpz
import SigndTestSupport
import XCTest

/// `signd extract` end to end: the real binary on a bundled sample.
final class ExtractCommandTests: XCTestCase {
    private func runSignd(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let binary = TestPaths.signdBinary
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw SetupRequirement.missing("signd is not built at \(binary.path) (swift build builds it)")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["SIGND_MODELS_DIR"] = TestPaths.models.path
        process.environment = env
        let errPipe = Pipe()
        process.standardError = errPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = errPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-extract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testExtractWritesSeedLayoutTimingsAndContactSheet() throws {
        let dir = try temporaryDirectory()
        let npz = dir.appendingPathComponent("out.npz"), json = dir.appendingPathComponent("t.json")
        let sheet = dir.appendingPathComponent("sheet.png")
        let result = try runSignd(["extract", TestPaths.samples.appendingPathComponent("msl150_hoy_001.mp4").path,
                                   "-o", npz.path, "--timings-json", json.path, "--contact-sheet", sheet.path,
                                   "--no-progress"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let frames = try SeedLandmarkFile.read(npz)
        XCTAssertEqual(frames.count, 64)
        XCTAssertTrue(frames.allSatisfy { $0.hasPose && $0.hasRightHand && !$0.hasLeftHand })
        XCTAssertTrue(frames.allSatisfy { $0.face == nil }, "no face array without --face")

        let timings = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        XCTAssertEqual(timings["frames"] as? Int, 64)
        for key in ["wall_ms_total", "wall_ms_per_frame", "frames_per_second", "cpu_ms_per_frame",
                    "latency_ms_median", "latency_ms_p90", "first_frame_ms"] {
            XCTAssertGreaterThan(try XCTUnwrap(timings[key] as? Double, key), 0, key)
        }
        let total = try XCTUnwrap(timings["wall_ms_total"] as? Double)
        XCTAssertEqual(try XCTUnwrap(timings["wall_ms_per_frame"] as? Double), total / 64, accuracy: 1e-6,
                       "throughput is the loop's wall time over the frames")
        XCTAssertEqual(timings["pipeline"] as? Bool, true, "pipelined by default")
        XCTAssertEqual(timings["concurrent_hands"] as? Bool, false, "--hands auto: sequential when pipelined")
        XCTAssertEqual(timings["timing_covers"] as? String, "decode+landmarks+overlay")
        let found = try XCTUnwrap(timings["found"] as? [String: Int])
        XCTAssertEqual(found, ["pose": 64, "left_hand": 0, "right_hand": 64, "face": 0])
        let png = try Data(contentsOf: sheet)
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG file")
    }

    /// The pipelined default and --no-pipeline write the same landmarks, bit for bit (face on), and the
    /// pipeline's overlay video holds every frame.
    func testPipelineAndSequentialExtractAgree() throws {
        let dir = try temporaryDirectory()
        let video = TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path
        let piped = dir.appendingPathComponent("p.npz"), sequential = dir.appendingPathComponent("s.npz")
        let overlay = dir.appendingPathComponent("overlay.avi"), json = dir.appendingPathComponent("s.json")
        var result = try runSignd(["extract", video, "-o", piped.path, "--face", "--overlay", overlay.path,
                                   "--no-progress"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("pipelined:"), result.stderr)
        result = try runSignd(["extract", video, "-o", sequential.path, "--face", "--no-pipeline", "--decode-first",
                               "--timings-json", json.path, "--no-progress"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let a = try SeedLandmarkFile.read(piped), b = try SeedLandmarkFile.read(sequential)
        XCTAssertEqual(a.count, 164)
        XCTAssertEqual(a.count, b.count)
        XCTAssertEqual(zip(a, b).enumerated().filter { !$1.0.bitwiseEqual($1.1) }.map(\.offset), [])
        XCTAssertTrue(a.contains { $0.hasFace && $0.hasLeftHand })
        let timings = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        XCTAssertEqual(timings["pipeline"] as? Bool, false)
        XCTAssertEqual(timings["concurrent_hands"] as? Bool, true, "--hands auto: concurrent frame by frame")
        XCTAssertEqual(timings["timing_covers"] as? String, "landmarks")

        let reader = try VideoReader(.file(path: overlay.path))
        var frames = 0
        while try reader.next() != nil { frames += 1 }
        XCTAssertEqual(frames, 164, "overlay frames")
    }

    /// `--refine-face` (MediaPipe's refine_face_landmarks; implies --face) writes 478-point faces, the same from
    /// the pipelined default and --no-pipeline, and the first 45 frames agree with MediaPipe Python run with
    /// refine on, on this machine (the documented tolerance; HolisticPipelineTests has the full parity check).
    func testRefineFaceWrites478PointFaces() throws {
        let dir = try temporaryDirectory()
        let video = TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path
        let piped = dir.appendingPathComponent("p.npz"), sequential = dir.appendingPathComponent("s.npz")
        var result = try runSignd(["extract", video, "-o", piped.path, "--refine-face", "--no-progress"])
        XCTAssertEqual(result.status, 0, result.stderr)
        result = try runSignd(["extract", video, "-o", sequential.path, "--refine-face", "--no-pipeline", "--no-progress"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let a = try SeedLandmarkFile.read(piped), b = try SeedLandmarkFile.read(sequential)
        XCTAssertEqual(a.count, 164)
        XCTAssertTrue(a.allSatisfy { $0.faceJointCount == 478 })
        XCTAssertGreaterThan(a.filter(\.hasFace).count, 150, "the close-up shows a face almost throughout")
        XCTAssertEqual(zip(a, b).enumerated().filter { !$1.0.bitwiseEqual($1.1) }.map(\.offset), [])
        let reference = try SeedLandmarkFile.read(try ReferencePython.refinedHolistic().appendingPathComponent("mmaction2_test.npz"))
        let report = ParityReport(ours: Array(a.prefix(reference.count)), reference: reference, size: ImageSize(width: 320, height: 240))
        for name in ["face", "iris"] {
            let part = try XCTUnwrap(report.parts.first { $0.name == name })
            XCTAssertEqual(part.bothPresent, reference.count, name)
            XCTAssertLessThanOrEqual(part.meanAbs, 5e-3, "\(name) against MediaPipe, mean |Δ| (fraction of width)")
        }
    }

    func testExtractNamesAMissingVideo() throws {
        let dir = try temporaryDirectory()
        let result = try runSignd(["extract", dir.appendingPathComponent("nope.mp4").path, "-o",
                                   dir.appendingPathComponent("x.npz").path, "--no-progress"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("nope.mp4"), result.stderr)
    }

    /// `extract DIR -o OUTDIR`: every video of the folder, each with a fresh tracker, the same landmarks as one
    /// run per file; files that are not videos are passed over.
    func testExtractAFolder() throws {
        let dir = try temporaryDirectory()
        let videos = dir.appendingPathComponent("videos"), out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: videos, withIntermediateDirectories: true)
        for name in ["msl150_hoy_001.mp4", "mmaction2_test.avi"] {
            try FileManager.default.copyItem(at: TestPaths.samples.appendingPathComponent(name), to: videos.appendingPathComponent(name))
        }
        try "not a video".write(to: videos.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let result = try runSignd(["extract", videos.path, "-o", out.path, "--no-progress"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(), ["mmaction2_test.npz", "msl150_hoy_001.npz"])
        let single = dir.appendingPathComponent("single.npz")
        XCTAssertEqual(try runSignd(["extract", videos.appendingPathComponent("mmaction2_test.avi").path, "-o", single.path, "--no-progress"]).status, 0)
        let fromFolder = try SeedLandmarkFile.read(out.appendingPathComponent("mmaction2_test.npz")), alone = try SeedLandmarkFile.read(single)
        XCTAssertEqual(fromFolder.count, alone.count)
        XCTAssertTrue(zip(fromFolder, alone).allSatisfy { $0.bitwiseEqual($1) }, "the second video does not inherit the first one's tracking")
        let refused = try runSignd(["extract", videos.path, "-o", dir.appendingPathComponent("x.npz").path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("names a folder"), refused.stderr)
    }

    func testOverlayAndContactSheetAreExclusive() throws {
        let result = try runSignd(["extract", "a.mp4", "-o", "b.npz", "--overlay", "c.mp4", "--contact-sheet", "d.png"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("exclusive"), result.stderr)
    }
}
