import Foundation
import SigndTestSupport
import XCTest

/// Checkpoints in each of upstream SignSTGCN's save formats and layouts (`python -m signstgcn.seed_formats`:
/// pose only, hands only, pose + hands, + face 468, + face 478; binary, GC 2-class and multi-class; additive
/// and FiLM; with and without the signer head), imported with `import_seed`, then run by `signd replay` on
/// real landmarks: MediaPipe Python with `refine_face_landmarks` (478-point faces) on the bundled clips,
/// computed now on this machine, and the same files cut to 468 points.
final class SeedCheckpointTests: XCTestCase {
    /// The same bound as the engine's parity fixtures (SigndSTGCNTests.ParityTests): the Swift engine sums in
    /// another order than PyTorch (OpenBLAS GEMM blocking, the streaming path's reuse), so float32 logits of
    /// magnitude ≲ 10 differ by a few hundred ulps at most; a wrong joint layout, axis or face size moves them
    /// by 1e-2 or more.
    static let tolerance = 1e-4

    struct Case: Decodable {
        let `case`: String
        let kind: String
        let face_joints: Int?
        let files: [String]
    }

    struct Expected: Decodable {
        struct File: Decodable { let starts: [Int]; let logits: [[Double]] }
        let files: [String: File]
        let refusals: [String: String]
    }

    struct Line: Decodable {
        let head: String
        let file: String
        let frame: Int
        let window_first: Int
        let window_last: Int
        let logits: [Double]
        let probabilities: [Double]
    }

    override func setUpWithError() throws {
        try SetupRequirement.require(FileManager.default.isExecutableFile(atPath: TestPaths.signdBinary.path),
                                     "signd binary at \(TestPaths.signdBinary.path) (swift build --build-tests)")
    }

    static func generated() throws -> URL {
        let landmarks = try ReferencePython.refinedHolistic()
        let torch = try ReferencePython.require(ReferencePython.main)
        return try ReferenceCache.shared.folder("seed-formats") { out in
            try runProcess(torch, ["-m", "signstgcn.seed_formats", "--out", out.appendingPathComponent("cases").path, "--derive-468",
                                   "--landmarks"] + ["mmaction2_test.npz", "msl150_hoy_001.npz"].map { landmarks.appendingPathComponent($0).path },
                           currentDirectory: TestPaths.packageRoot.appendingPathComponent("Training"))
        }
    }

    private func cases() throws -> (URL, [Case]) {
        let dir = try Self.generated().appendingPathComponent("cases")
        return (dir, try JSONDecoder().decode([Case].self, from: Data(contentsOf: dir.appendingPathComponent("cases.json"))))
    }

    /// Where a landmark file is: the MediaPipe output, or the 468-point copy next to the cases.
    private func landmarkFile(_ name: String) throws -> URL {
        let derived = try Self.generated().appendingPathComponent("cases").appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: derived.path) ? derived : try ReferencePython.refinedHolistic().appendingPathComponent(name)
    }

    private func replay(_ file: URL, binary: String, multiclass: String?) throws -> [Line] {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("signd-seed-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: out) }
        try runProcess(TestPaths.signdBinary.path, ["replay", file.path, "--binary", binary, "--multiclass", multiclass ?? "none",
                                                    "--window-outputs", out.path])
        return try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    }

    /// Every case imports, and `signd replay` gives its PyTorch logits on every window of every file whose
    /// face fits: binary and GC 2-class heads as the binary head (streaming path), multi-class heads on every
    /// window (full-window path).
    func testEveryLayoutAndFormatRunsToItsPyTorchLogits() throws {
        let (dir, cases) = try cases()
        XCTAssertEqual(cases.count, 6)
        XCTAssertEqual(Set(cases.compactMap(\.face_joints)), [468, 478], "both face sizes are covered")
        let plainBinary = dir.appendingPathComponent("pose33_binary_additive/head").path
        for c in cases {
            let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: dir.appendingPathComponent(c.case).appendingPathComponent("expected.json")))
            XCTAssertEqual(c.files.count, c.face_joints == nil ? 4 : 2, "\(c.case): files compared")
            let stem = dir.appendingPathComponent(c.case).appendingPathComponent("head").path
            let isMulti = c.kind == "multiclass"
            for name in c.files {
                let want = try XCTUnwrap(expected.files[name])
                let lines = try replay(landmarkFile(name), binary: isMulti ? plainBinary : stem, multiclass: isMulti ? stem : nil)
                    .filter { $0.head == (isMulti ? "multiclass" : "binary") }
                XCTAssertEqual(lines.map(\.window_first), want.starts, "\(c.case) \(name): one output per window")
                var worst = 0.0
                for line in lines {
                    XCTAssertEqual(line.window_last, line.window_first + 24)
                    let reference = want.logits[line.window_first]
                    XCTAssertEqual(line.logits.count, reference.count)
                    for (a, b) in zip(line.logits, reference) { worst = max(worst, abs(a - b)) }
                    XCTAssertEqual(line.probabilities.reduce(0, +), 1, accuracy: 1e-5)
                }
                XCTAssertLessThanOrEqual(worst, Self.tolerance, "\(c.case) \(name): max |Δlogit| \(worst)")
                print("seed format \(c.case) \(name): \(lines.count) windows, max |Δlogit| = \(worst)")
            }
        }
    }

    /// Each layout flag left out is refused by name, for every case (J appears in no weight shape).
    func testImportRefusesAMissingLayoutFlagByName() throws {
        let (dir, cases) = try cases()
        for c in cases {
            let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: dir.appendingPathComponent(c.case).appendingPathComponent("expected.json")))
            for flag in ["--include-pose", "--include-hands", "--include-face"] {
                let message = try XCTUnwrap(expected.refusals[flag], "\(c.case) \(flag)")
                XCTAssertTrue(message.contains("\(flag) or --no-\(flag.dropFirst(2))"), "\(c.case) without \(flag): \(message)")
            }
        }
    }

    /// A head whose face size the input lacks is refused with the file and both sizes, not run on NaN faces.
    func testReplayRefusesAFaceOfTheWrongSize() throws {
        let (dir, _) = try cases()
        let head478 = dir.appendingPathComponent("face553_binary_additive_c3/head").path
        let file468 = try landmarkFile("mmaction2_test_face468.npz")
        let (status, output) = try runProcessCombined(TestPaths.signdBinary.path, ["replay", file468.path, "--binary", head478, "--multiclass", "none"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("mmaction2_test_face468.npz") && output.contains("478-point face") && output.contains("468-point faces"), output)
    }
}
