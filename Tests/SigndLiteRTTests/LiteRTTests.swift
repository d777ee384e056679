import Foundation
@testable import SigndLiteRT
import SigndTestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The LiteRT layer on the real runtime and the six pinned models: artefact checks, I/O shapes, bit-exact
/// parity with Python's ai-edge-litert XNNPACK interpreter run on this machine at test time, the committed
/// outputs of Tools/litert_reference.py within a float32 tolerance, and the error paths. Models come from `$SIGND_MODELS_DIR` or `Models/`
/// (`scripts/fetch-models`).
final class LiteRTTests: XCTestCase {
    private var modelSet: HolisticModelSet!
    private var runtime: LiteRtRuntime!

    override func setUpWithError() throws {
        modelSet = try HolisticModelSet(directory: TestPaths.models)
        runtime = try modelSet.makeRuntime()
    }

    // MARK: Artefacts and shapes

    func testRuntimeResolvesEverySymbol() throws {
        XCTAssertEqual(LiteRtRuntime.requiredSymbols.count, 31)
        XCTAssertTrue(LiteRtRuntime.requiredSymbols.allSatisfy { $0.hasPrefix("LiteRt") })
        let pinned = try LiteRtRuntime(library: modelSet.libraryURL)  // verifies the pinned sha256
        XCTAssertEqual(pinned.libraryURL, modelSet.libraryURL)
    }

    func testModelShapesMatchSpec() throws {
        let expected: [HolisticModel: (input: (String, [Int]), outputs: [(String, [Int])])] = [
            .poseDetection: (("input_1", [1, 224, 224, 3]), [("Identity", [1, 2254, 12]), ("Identity_1", [1, 2254, 1])]),
            .poseLandmarkFull: (
                ("input_1", [1, 256, 256, 3]),
                [
                    ("Identity", [1, 195]), ("Identity_1", [1, 1]), ("Identity_2", [1, 256, 256, 1]),
                    ("Identity_3", [1, 64, 64, 39]), ("Identity_4", [1, 117]),
                ]
            ),
            .handRecrop: (("input_1", [1, 256, 256, 3]), [("output_crop", [1, 1, 1, 4])]),
            .handLandmarkFull: (
                ("input_1", [1, 224, 224, 3]),
                [("Identity", [1, 63]), ("Identity_1", [1, 1]), ("Identity_2", [1, 1]), ("Identity_3", [1, 63])]
            ),
            .faceDetectionShortRange: (
                ("input", [1, 128, 128, 3]), [("regressors", [1, 896, 16]), ("classificators", [1, 896, 1])]
            ),
            .faceLandmark: (("input_1", [1, 192, 192, 3]), [("conv2d_21", [1, 1, 1, 1404]), ("conv2d_31", [1, 1, 1, 1])]),
            .faceLandmarkWithAttention: (
                ("input_1", [1, 192, 192, 3]),
                [
                    ("output_mesh_identity", [1, 1, 1, 1404]), ("output_lips", [1, 1, 1, 160]),
                    ("output_left_eye", [1, 1, 1, 142]), ("output_right_eye", [1, 1, 1, 142]),
                    ("output_left_iris", [1, 1, 1, 10]), ("output_right_iris", [1, 1, 1, 10]),
                    ("conv_faceflag", [1, 1, 1, 1]),
                ]
            ),
        ]
        for kind in HolisticModel.allCases {
            let model = try modelSet.makeModel(kind, runtime: runtime)
            let spec = try XCTUnwrap(expected[kind])
            XCTAssertEqual(model.inputs.map(\.name), [spec.input.0], "\(kind)")
            XCTAssertEqual(model.inputs.map(\.shape), [spec.input.1], "\(kind)")
            XCTAssertEqual(model.inputs.first?.shape, kind.inputShape, "\(kind)")
            XCTAssertEqual(model.outputs.map(\.name), spec.outputs.map(\.0), "\(kind)")
            XCTAssertEqual(model.outputs.map(\.shape), spec.outputs.map(\.1), "\(kind)")
            for t in model.inputs + model.outputs {
                XCTAssertEqual(t.elementCount, t.shape.reduce(1, *))
            }
        }
    }

    /// face_landmark_with_attention runs only with MediaPipe's custom ops registered (CLiteRt/mediapipe_ops.c):
    /// LiteRT initialises every node with its options (three matrices, three crops, five landmark transforms),
    /// the model runs repeatedly, and without the ops the failure names the model. Its outputs are checked
    /// against MediaPipe itself in HolisticPipelineTests.testParityWithRefinedFaces.
    func testAttentionFaceModelRunsWithMediaPipeOps() throws {
        let model = try modelSet.makeModel(.faceLandmarkWithAttention, runtime: runtime)
        XCTAssertEqual(model.mediaPipeOpNodeCounts, [3, 3, 5])
        var values = [Float](repeating: 0, count: 192 * 192 * 3)
        for i in values.indices { values[i] = Float((i * 7919) % 256) / 255 }
        try model.setInput(0, values)
        try model.run()
        let first = try model.output(1)
        try model.run()
        XCTAssertEqual(try model.output(1), first, "the same input gives the same lips on the next run (each node keeps its options)")
        XCTAssertTrue(first.allSatisfy(\.isFinite))

        let plain = try LiteRtModel(runtime: runtime, file: modelSet.url(for: .faceLandmarkWithAttention))
        XCTAssertNil(plain.mediaPipeOpNodeCounts)
        XCTAssertThrowsError(try plain.run()) {
            XCTAssertTrue("\($0)".contains("face_landmark_with_attention.tflite"), "\($0)")
        }
    }

    /// A MediaPipe custom op of another version than signd's kernels implement is refused by name, before
    /// LiteRT sees the file (the kernels' options and tensors are those of version 2).
    func testCustomOpOfAnotherVersionIsATypedError() throws {
        let source = modelSet.url(for: .faceLandmarkWithAttention)
        var bytes = try Data(contentsOf: source)
        let codes = try bytes.withUnsafeBytes { try TFLiteStructureCheck.customOpCodes($0) }
        let op = try XCTUnwrap(codes.first { $0.name == "TransformTensorBilinear" })
        let offset = try XCTUnwrap(op.versionOffset)
        XCTAssertEqual(op.version, 2)
        bytes.replaceSubrange(offset..<offset + 4, with: withUnsafeBytes(of: Int32(3).littleEndian) { Data($0) })
        let patched = try temporaryDirectory().appendingPathComponent(source.lastPathComponent)
        try bytes.write(to: patched)
        XCTAssertThrowsError(try LiteRtModel(runtime: runtime, file: patched, mediaPipeOps: true)) { error in
            XCTAssertEqual(error as? LiteRtError, .unsupportedCustomOpVersion(model: source.lastPathComponent,
                                                                               op: "TransformTensorBilinear", version: 3, implemented: 2))
            XCTAssertEqual("\(error)", "custom op TransformTensorBilinear in face_landmark_with_attention.tflite is version 3; "
                           + "signd implements version 2")
        }
    }

    /// A model may hold the last reference to its runtime; tearing it down must still find the LiteRT
    /// functions (it crashed when the runtime's table was freed before the model's buffers).
    func testModelHoldingLastRuntimeReferenceTearsDownCleanly() throws {
        for kind in HolisticModel.allCases {
            var model: LiteRtModel? = try modelSet.makeModel(kind, runtime: try modelSet.makeRuntime())
            try model?.run()
            model = nil
            XCTAssertNil(model)
        }
    }

    // MARK: Parity with Python ai-edge-litert (XNNPACK, 1 thread)

    /// Same runtime, same machine: the Python interpreter of the pinned ai-edge-litert 2.3.0 (in `.venv`)
    /// runs the committed inputs now (`Tools/litert_reference.py --inputs`), and every output of SigndLiteRT
    /// must equal it bit for bit. XNNPACK chooses kernels by CPU, so a reference made on another machine
    /// could differ in the last bits (7.5e-9 on an AMD EPYC without AVX-512): that is what the committed
    /// fixtures are checked for, with a tolerance, below.
    func testOutputsAreBitIdenticalToPythonInterpreterOnThisMachine() throws {
        let index = try ReferenceIndex.onThisMachine()
        var models: [String: LiteRtModel] = [:]
        var report: [String] = []
        var worst: Float = 0
        // One instance per model serves both cases, then the first case again: buffers are reused and no
        // state may leak from one run into the next.
        for pass in 0..<2 {
            for c in index.cases where pass == 0 || c.case == "crop" {
                let kind = try XCTUnwrap(HolisticModel(rawValue: c.model))
                let model = try models[c.model] ?? modelSet.makeModel(kind, runtime: runtime)
                models[c.model] = model
                XCTAssertEqual(model.inputs[0].shape, c.input_shape)
                try model.setInput(0, try c.floatInput(from: ReferenceIndex.committed))
                try model.run()
                XCTAssertEqual(model.outputs.map(\.name), c.outputs.map(\.name), c.model)
                for (i, expected) in c.outputs.enumerated() {
                    let label = "\(c.model) \(c.case) \(expected.name)"
                    let digest = try model.withOutput(i) { FileDigest.sha256Hex(of: UnsafeRawBufferPointer($0)) }
                    let file = try XCTUnwrap(expected.file, "\(label): --inputs writes every output")
                    let reference = try index.floats(file)
                    let actual = try model.output(i)
                    XCTAssertEqual(actual.count, reference.count, label)
                    let maxDiff = zip(actual, reference).map { abs($0 - $1) }.max() ?? .infinity
                    worst = max(worst, maxDiff)
                    if pass == 0 { report.append("\(label): max|Δ| = \(maxDiff) (max|x| \(expected.max_abs))") }
                    XCTAssertEqual(maxDiff, 0, "\(label): max|Δ| = \(maxDiff)")
                    XCTAssertEqual(digest, expected.sha256, "\(label): float32 bytes differ from the Python interpreter's")
                }
            }
        }
        print("LiteRT parity vs Python on this machine (\(index.cases.count) cases), overall max|Δ| = \(worst)\n  "
            + report.joined(separator: "\n  "))
    }

    /// The committed outputs (Tests/Fixtures/litert, made on one CPU) guard against regressions on any CPU:
    /// |Δ| ≤ 1e-5 · max|reference| per output tensor. Another CPU changes XNNPACK's kernels and so the
    /// accumulation order of each convolution: a few ulps of the largest values (measured: 7.5e-9 on
    /// hand_landmark_full, about 1 ulp of its world landmarks). 1e-5 is ~80 ulps of the largest value, still
    /// 1,000× below what a wrong input layout gives (`testCommittedToleranceCatchesSwappedChannels`).
    func testOutputsMatchCommittedFixturesWithinFloat32Tolerance() throws {
        let index = try ReferenceIndex.load(ReferenceIndex.committed)
        var checked = 0
        for c in index.cases {
            let kind = try XCTUnwrap(HolisticModel(rawValue: c.model))
            let model = try modelSet.makeModel(kind, runtime: runtime)
            try model.setInput(0, try c.floatInput(from: index.directory))
            try model.run()
            for (i, expected) in c.outputs.enumerated() {
                guard let file = expected.file else { continue }  // large random-case outputs: sha256 only
                let result = Self.committedTolerance.check(try model.output(i), try index.floats(file))
                XCTAssertTrue(result.ok, "\(c.model) \(c.case) \(expected.name): max|Δ| \(result.maxAbsDiff) > \(result.bound)")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 27, "outputs with committed files")
    }

    static let committedTolerance = Float32Tolerance(relative: 1e-5, floor: 1e-3)

    /// The committed tolerance is tight enough to matter: feeding each real crop as BGR instead of RGB (a
    /// plausible wiring mistake) moves every model's main output far outside it.
    func testCommittedToleranceCatchesSwappedChannels() throws {
        let index = try ReferenceIndex.load(ReferenceIndex.committed)
        for c in index.cases where c.case == "crop" {
            let kind = try XCTUnwrap(HolisticModel(rawValue: c.model))
            let model = try modelSet.makeModel(kind, runtime: runtime)
            var input = try c.floatInput(from: index.directory)
            for p in stride(from: 0, to: input.count, by: 3) { input.swapAt(p, p + 2) }
            try model.setInput(0, input)
            try model.run()
            let file = try XCTUnwrap(c.outputs[0].file)
            let result = Self.committedTolerance.check(try model.output(0), try index.floats(file))
            XCTAssertFalse(result.ok, "\(c.model): BGR input stays within the tolerance (max|Δ| \(result.maxAbsDiff))")
            XCTAssertGreaterThan(result.maxAbsDiff, 100 * result.bound, c.model)
        }
    }

    /// XNNPACK's thread count does not change results: with 2 threads every output still equals the
    /// 1-thread Python interpreter's on this machine (so `threads` is purely a speed setting).
    func testTwoThreadsGiveIdenticalOutputs() throws {
        for c in try ReferenceIndex.onThisMachine().cases where c.case == "crop" {
            let model = try modelSet.makeModel(try XCTUnwrap(HolisticModel(rawValue: c.model)), runtime: runtime, threads: 2)
            try model.setInput(0, try c.floatInput(from: ReferenceIndex.committed))
            try model.run()
            for (i, expected) in c.outputs.enumerated() {
                let digest = try model.withOutput(i) { FileDigest.sha256Hex(of: UnsafeRawBufferPointer($0)) }
                XCTAssertEqual(digest, expected.sha256, "\(c.model) \(expected.name) with 2 threads")
            }
        }
    }

    /// A warmed-up model (`warmUp`, run on every Holistic model at load) gives the same bytes as the Python
    /// interpreter on this machine: the warm-up run leaves nothing behind that a later frame could see.
    func testWarmUpLeavesOutputsUnchanged() throws {
        for c in try ReferenceIndex.onThisMachine().cases where c.case == "crop" {
            let model = try modelSet.makeModel(try XCTUnwrap(HolisticModel(rawValue: c.model)), runtime: runtime)
            try model.warmUp()
            try model.setInput(0, try c.floatInput(from: ReferenceIndex.committed))
            try model.run()
            for (i, expected) in c.outputs.enumerated() {
                let digest = try model.withOutput(i) { FileDigest.sha256Hex(of: UnsafeRawBufferPointer($0)) }
                XCTAssertEqual(digest, expected.sha256, "\(c.model) \(expected.name) after a warm-up run")
            }
        }
    }

    /// Two instances of the same model run at the same time on two threads (as the two hands do) and
    /// each still reproduces the reference exactly.
    func testIndependentInstancesRunConcurrently() throws {
        let index = try ReferenceIndex.onThisMachine()
        let cases = index.cases.filter { $0.model == HolisticModel.handLandmarkFull.rawValue }
        XCTAssertEqual(cases.count, 2)
        let models = try cases.map { _ in try modelSet.makeModel(.handLandmarkFull, runtime: runtime) }
        let inputs = try cases.map { try $0.floatInput(from: ReferenceIndex.committed) }
        let expected = cases.map { $0.outputs[0].sha256 }
        let results = ResultBox(count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            do {
                var digest = ""
                for _ in 0..<20 {
                    try models[k].setInput(0, inputs[k])
                    try models[k].run()
                    digest = try models[k].withOutput(0) { FileDigest.sha256Hex(of: UnsafeRawBufferPointer($0)) }
                    if digest != expected[k] { break }
                }
                results.set(k, digest)
            } catch {
                results.set(k, "error: \(error)")
            }
        }
        XCTAssertEqual(results.values, expected)
    }

    // MARK: Error paths

    func testMissingLibraryPath() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-dir/libLiteRt.so")
        XCTAssertThrowsError(try LiteRtRuntime(library: path)) { error in
            guard case .missingLibrary(let p, _) = error as? LiteRtError else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path.path)
            XCTAssertTrue("\(error)".contains("missing library"), "\(error)")
        }
    }

    func testLibraryWithWrongChecksumOrWithoutSymbols() throws {
        let dir = try temporaryDirectory()
        let fake = dir.appendingPathComponent("libLiteRt.so")
        try Data("not a library".utf8).write(to: fake)
        XCTAssertThrowsError(try LiteRtRuntime(library: fake)) { error in
            guard case .sha256Mismatch(let p, let expected, let actual) = error as? LiteRtError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(p, fake.path)
            XCTAssertEqual(expected, LiteRtRuntime.pinnedSHA256)
            XCTAssertNotEqual(actual, expected)
            XCTAssertTrue("\(error)".hasPrefix("sha256 mismatch for \(fake.path): expected \(expected) got \(actual)"))
        }
        XCTAssertThrowsError(try LiteRtRuntime(library: fake, expectedSHA256: nil)) { error in
            guard case .missingLibrary = error as? LiteRtError else { return XCTFail("\(error)") }
        }
        // A real shared library that is not LiteRT: every required symbol is reported missing.
        let libm = URL(fileURLWithPath: "/lib/x86_64-linux-gnu/libm.so.6")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: libm.path), "no libm at \(libm.path)")
        XCTAssertThrowsError(try LiteRtRuntime(library: libm, expectedSHA256: nil)) { error in
            guard case .missingSymbols(_, let symbols) = error as? LiteRtError else { return XCTFail("\(error)") }
            XCTAssertEqual(symbols, LiteRtRuntime.requiredSymbols)
            XCTAssertTrue("\(error)".hasPrefix("missing symbols LiteRtCreateEnvironment, "), "\(error)")
        }
    }

    func testTruncatedModelFile() throws {
        let dir = try temporaryDirectory()
        let source = modelSet.url(for: .handRecrop)
        let bytes = try Data(contentsOf: source)
        let truncated = dir.appendingPathComponent("hand_recrop.tflite")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        // Without a pinned size the structure check must reject it (LiteRT 2.3.0 itself would crash).
        XCTAssertThrowsError(try LiteRtModel(runtime: runtime, file: truncated)) { error in
            guard case .modelFileCorrupt(let p, let reason) = error as? LiteRtError else { return XCTFail("\(error)") }
            XCTAssertEqual(p, truncated.path)
            XCTAssertTrue(reason.contains("beyond the file end"), reason)
        }
        XCTAssertThrowsError(
            try LiteRtModel(runtime: runtime, file: truncated, expectedByteCount: HolisticModel.handRecrop.byteCount)
        ) { error in
            XCTAssertEqual(
                error as? LiteRtError,
                .modelFileTruncated(path: truncated.path, expectedBytes: bytes.count, actualBytes: bytes.count / 2))
        }
        // A models directory holding it names the file.
        let models = try copyOfModelsDirectory(into: dir.appendingPathComponent("models"))
        try bytes.prefix(1000).write(to: models.appendingPathComponent("mediapipe/hand_recrop.tflite"))
        XCTAssertThrowsError(try HolisticModelSet(directory: models)) { error in
            XCTAssertTrue("\(error)".contains("hand_recrop.tflite has 1000 bytes"), "\(error)")
        }
    }

    /// Prefixes of every pinned model never crash LiteRT: those cut inside the flatbuffer are refused by the
    /// structure check (all cuts up to 90 % here); a cut that only shortens the zip of associated files that
    /// MediaPipe appends after the flatbuffer still loads. With the pinned size every cut is refused.
    func testEveryTruncationIsRejectedWithoutCrash() throws {
        let dir = try temporaryDirectory()
        for kind in HolisticModel.allCases {
            let bytes = try Data(contentsOf: modelSet.url(for: kind))
            let cuts = Set([0, 4, 8, 12, 64, 1000, bytes.count - 1, bytes.count - 16] + (1..<40).map { bytes.count * $0 / 40 })
            for cut in cuts.sorted() where cut >= 0 && cut < bytes.count {
                let file = dir.appendingPathComponent("\(kind.rawValue)-\(cut).tflite")
                try bytes.prefix(cut).write(to: file)
                do {
                    _ = try LiteRtModel(runtime: runtime, file: file)
                    XCTAssertGreaterThan(cut, bytes.count * 9 / 10, "\(kind) cut at \(cut) was accepted")
                } catch let error as LiteRtError {
                    guard case .modelFileCorrupt = error else { return XCTFail("\(kind) cut at \(cut): \(error)") }
                }
                XCTAssertThrowsError(
                    try LiteRtModel(runtime: runtime, file: file, expectedByteCount: kind.byteCount)
                ) { error in
                    XCTAssertEqual(
                        error as? LiteRtError,
                        .modelFileTruncated(path: file.path, expectedBytes: bytes.count, actualBytes: cut))
                }
                try FileManager.default.removeItem(at: file)
            }
        }
    }

    func testWrongChecksumAndMissingModel() throws {
        let dir = try temporaryDirectory()
        let models = try copyOfModelsDirectory(into: dir)
        let face = models.appendingPathComponent("mediapipe/face_landmark.tflite")
        var bytes = try Data(contentsOf: face)
        bytes[bytes.count - 1] ^= 0xFF  // same size, different content
        try bytes.write(to: face)
        XCTAssertThrowsError(try HolisticModelSet(directory: models)) { error in
            guard case .sha256Mismatch(let p, let expected, _) = error as? LiteRtError else { return XCTFail("\(error)") }
            XCTAssertEqual(p, face.path)
            XCTAssertEqual(expected, HolisticModel.faceLandmark.sha256)
        }
        XCTAssertThrowsError(try LiteRtModel(runtime: runtime, file: face, expectedSHA256: HolisticModel.faceLandmark.sha256))
        { error in
            XCTAssertTrue("\(error)".hasPrefix("sha256 mismatch for \(face.path): expected \(HolisticModel.faceLandmark.sha256) got "))
        }
        try FileManager.default.removeItem(at: face)
        XCTAssertThrowsError(try HolisticModelSet(directory: models)) { error in
            XCTAssertEqual(error as? LiteRtError, .modelFileMissing(path: face.path))
        }
        let notModel = dir.appendingPathComponent("notes.tflite")
        try Data(repeating: 7, count: 64).write(to: notModel)
        XCTAssertThrowsError(try LiteRtModel(runtime: runtime, file: notModel)) { error in
            guard case .modelFileCorrupt = error as? LiteRtError else { return XCTFail("\(error)") }
        }
    }

    func testBadBufferAndIndexAreTypedErrors() throws {
        let model = try modelSet.makeModel(.handRecrop, runtime: runtime)
        XCTAssertThrowsError(try model.setInput(0, [Float](repeating: 0, count: 10))) { error in
            XCTAssertEqual(
                error as? LiteRtError,
                .elementCountMismatch(model: "hand_recrop.tflite", tensor: "input_1", expected: 256 * 256 * 3, actual: 10))
        }
        XCTAssertThrowsError(try model.output(3)) { error in
            XCTAssertEqual(
                error as? LiteRtError, .tensorIndexOutOfRange(model: "hand_recrop.tflite", kind: "output", index: 3, count: 1))
        }
        XCTAssertThrowsError(try modelSet.makeModel(.handRecrop, runtime: runtime, threads: 0))
    }

    // MARK: Timings (printed only; SIGND_LITERT_TIMINGS=1)

    /// Per-model run time through SigndLiteRT, 1 XNNPACK thread: median of 30 runs after 3 warm-ups, wall
    /// and thread CPU ms. Compare with `Tools/litert_reference.py --timing` run at the same time.
    func testPrintTimings() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["SIGND_LITERT_TIMINGS"] == "1", "set SIGND_LITERT_TIMINGS=1")
        let index = try ReferenceIndex.load(ReferenceIndex.committed)
        for c in index.cases where c.case == "crop" {
            let kind = try XCTUnwrap(HolisticModel(rawValue: c.model))
            let model = try modelSet.makeModel(kind, runtime: runtime)
            try model.setInput(0, try c.floatInput(from: index.directory))
            for _ in 0..<3 { try model.run() }
            var wall: [Double] = []
            var cpu: [Double] = []
            for _ in 0..<30 {
                let (w0, c0) = (monotonicMs(), threadCpuMs())
                try model.run()
                wall.append(monotonicMs() - w0)
                cpu.append(threadCpuMs() - c0)
            }
            func median(_ a: [Double]) -> Double { a.sorted()[a.count / 2] }
            print(String(format: "{\"engine\": \"swift SigndLiteRT (1 thread)\", \"model\": \"%@\", \"wall_ms_median\": %.3f, \"cpu_ms_median\": %.3f}",
                         c.model, median(wall), median(cpu)))
        }
    }

    // MARK: Helpers

    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-litert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// A models directory of symlinks to the real files, so single files can be replaced.
    private func copyOfModelsDirectory(into dir: URL) throws -> URL {
        let fm = FileManager.default
        for sub in ["litert", "mediapipe"] {
            try fm.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try fm.createSymbolicLink(at: dir.appendingPathComponent("litert/libLiteRt.so"), withDestinationURL: modelSet.libraryURL)
        for kind in HolisticModel.allCases {
            try fm.copyItem(at: modelSet.url(for: kind), to: dir.appendingPathComponent("mediapipe/\(kind.fileName)"))
        }
        return dir
    }

    private func monotonicMs() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) * 1000 + Double(t.tv_nsec) / 1e6
    }

    private func threadCpuMs() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) * 1000 + Double(t.tv_nsec) / 1e6
    }
}

/// Collects one string per concurrent worker.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String]
    init(count: Int) { storage = Array(repeating: "", count: count) }
    func set(_ i: Int, _ value: String) { lock.withLock { storage[i] = value } }
    var values: [String] { lock.withLock { storage } }
}

/// An `index.json` written by Tools/litert_reference.py: the committed one (`Tests/Fixtures/litert`) or
/// one made on this machine at test time.
struct ReferenceIndex: Decodable {
    struct Output: Decodable {
        let name: String
        let shape: [Int]
        let sha256: String
        let max_abs: Float
        let file: String?
    }
    struct Input: Decodable {
        let kind: String
        let file: String?
        let seed: UInt64?
    }
    struct Case: Decodable {
        let model: String
        let `case`: String
        let input_shape: [Int]
        let value_range: [Float]
        let input: Input
        let outputs: [Output]

        /// The float32 tensor the Python interpreter saw: u/255 for [0,1], u/127.5 − 1 for [−1,1]; crop
        /// bytes come from `directory`.
        func floatInput(from directory: URL) throws -> [Float] {
            let count = input_shape.reduce(1, *)
            let bytes: [UInt8]
            if let file = input.file {
                bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(file)))
            } else {
                bytes = SplitMix64.bytes(seed: try XCTUnwrap(input.seed), count: count)
            }
            XCTAssertEqual(bytes.count, count, "\(model) \(self.case) input size")
            if value_range == [0, 1] { return bytes.map { Float($0) / 255 } }
            return bytes.map { Float($0) / 127.5 - 1 }
        }
    }
    let cases: [Case]
    var directory: URL = committed

    private enum CodingKeys: String, CodingKey { case cases }

    static let committed = TestPaths.fixtures.appendingPathComponent("litert")

    static func load(_ directory: URL) throws -> ReferenceIndex {
        var index = try JSONDecoder().decode(ReferenceIndex.self, from: Data(contentsOf: directory.appendingPathComponent("index.json")))
        index.directory = directory
        return index
    }

    /// The Python interpreter's outputs on this machine for the committed inputs (made once per test run).
    static func onThisMachine() throws -> ReferenceIndex {
        let python = try ReferencePython.require(ReferencePython.main)
        let script = TestPaths.packageRoot.appendingPathComponent("Tools/litert_reference.py").path
        let folder = try ReferenceCache.shared.folder("litert") { out in
            try runProcess(python, [script, "--models", TestPaths.models.path, "--inputs", committed.path, "--out", out.path])
        }
        return try load(folder)
    }

    func floats(_ file: String) throws -> [Float] {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}

/// The byte generator of Tools/litert_reference.py.
enum SplitMix64 {
    static func bytes(seed: UInt64, count: Int) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return UInt8(z >> 56)
        }
    }
}
