import Foundation
@testable import SigndLiteRT
import SigndTestSupport
import XCTest

/// The landmark stages load pose_landmark_full and hand_landmark_full with only the outputs they read (`HolisticModel.outputsRead`,
/// `TFLiteOutputPruning`). Those outputs must be the whole model's, bit for bit, on this machine: both run here,
/// now, on the same inputs through the same LiteRT.
final class OutputPruningTests: XCTestCase {
    private var modelSet: HolisticModelSet!
    private var runtime: LiteRtRuntime!

    override func setUpWithError() throws {
        modelSet = try HolisticModelSet(directory: TestPaths.models)
        runtime = try modelSet.makeRuntime()
    }

    /// pose_landmark_full loses the segmentation mask and world landmarks, with the 50 operators only they need;
    /// hand_landmark_full its handedness and world landmarks (7 operators). What the stages read stays identical
    /// on a real crop (the committed LiteRT fixture's), on pseudo-random inputs, and on the real crop again after
    /// them (no state carried between runs).
    func testModelsKeepTheirReadOutputsBitForBit() throws {
        let expected: [HolisticModel: (outputs: [String], shapes: [[Int]], operators: (Int, Int))] = [
            .poseLandmarkFull: (["Identity", "Identity_1", "Identity_3"], [[1, 195], [1, 1], [1, 64, 64, 39]], (332, 282)),
            .handLandmarkFull: (["Identity", "Identity_1"], [[1, 63], [1, 1]], (165, 158)),
        ]
        let index = try ReferenceIndex.load(ReferenceIndex.committed)
        for (kind, spec) in expected {
            XCTAssertEqual(kind.outputsRead, spec.outputs)
            let whole = try modelSet.makeModel(kind, runtime: runtime)
            let part = try modelSet.makeModel(kind, runtime: runtime, onlyOutputsRead: true)
            XCTAssertNil(whole.operatorCounts)
            XCTAssertGreaterThan(whole.outputs.count, spec.outputs.count, "\(kind)")
            XCTAssertEqual(part.outputs.map(\.name), spec.outputs)
            XCTAssertEqual(part.outputs.map(\.shape), spec.shapes)
            let counts = try XCTUnwrap(part.operatorCounts)
            XCTAssertEqual([counts.whole, counts.run], [spec.operators.0, spec.operators.1], "\(kind)")

            let crop = try XCTUnwrap(index.cases.first { $0.model == kind.rawValue && $0.case == "crop" })
            let real = try crop.floatInput(from: index.directory)
            let random = [7, 8].map { seed in SplitMix64.bytes(seed: UInt64(seed), count: real.count).map { Float($0) / 255 } }
            for (n, input) in ([real] + random + [real]).enumerated() {
                try whole.setInput(0, input)
                try whole.run()
                try part.setInput(0, input)
                try part.run()
                for (i, name) in spec.outputs.enumerated() {
                    let reference = try whole.output(try XCTUnwrap(whole.outputIndex(named: name)))
                    let actual = try part.output(i)
                    XCTAssertEqual(actual.map(\.bitPattern), reference.map(\.bitPattern), "\(kind) input \(n), \(name)")
                    XCTAssertTrue(actual.contains { $0 != 0 }, "\(kind) input \(n), \(name) is all zeros")
                }
            }
        }
    }

    /// Keeping every output, in the file's order, leaves the file's bytes as they were: nothing is dropped that
    /// an output needs, on each of the seven models.
    func testKeepingEveryOutputChangesNoByte() throws {
        for kind in HolisticModel.allCases {
            let file = modelSet.url(for: kind)
            let names = try LiteRtModel(runtime: runtime, file: file, mediaPipeOps: kind == .faceLandmarkWithAttention).outputs.map(\.name)
            let original = try Data(contentsOf: file)
            var bytes = original
            let result = try bytes.withUnsafeMutableBytes { try TFLiteOutputPruning.prune($0, keeping: names) }
            XCTAssertEqual(result.operatorsAfter, result.operatorsBefore, "\(kind)")
            XCTAssertEqual(result.outputs, names, "\(kind)")
            XCTAssertTrue(bytes == original, "\(kind): bytes changed")
        }
    }

    /// The detectors, hand_recrop and the face models: the stages read every output, so they load whole.
    func testOtherModelsLoadWhole() throws {
        for kind in HolisticModel.allCases where ![.poseLandmarkFull, .handLandmarkFull].contains(kind) {
            XCTAssertNil(kind.outputsRead, "\(kind)")
            XCTAssertNil(try modelSet.makeModel(kind, runtime: runtime, onlyOutputsRead: true).operatorCounts, "\(kind)")
        }
    }

    /// An output the file does not have is refused by name, with the outputs it does have.
    func testMissingOutputIsATypedError() throws {
        let file = modelSet.url(for: .poseLandmarkFull)
        XCTAssertThrowsError(try LiteRtModel(runtime: runtime, file: file, keepingOutputs: ["Identity", "segmentation"])) { error in
            XCTAssertEqual(error as? LiteRtError, .outputMissing(
                model: "pose_landmark_full.tflite", tensor: "segmentation",
                reason: "its outputs are Identity, Identity_1, Identity_2, Identity_3, Identity_4"))
        }
    }

    /// A model with a signature definition is refused, not pruned: the signature names outputs by tensor index and
    /// would still list the dropped ones. The model is pose_landmark_full with a signature added by the schema of
    /// the pinned ai-edge-litert (in `.venv`), written at test time; loaded whole, it still runs.
    func testModelWithASignatureIsRefusedByName() throws {
        let python = try ReferencePython.require(ReferencePython.main)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-pruning-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let signed = dir.appendingPathComponent("signed.tflite")
        let script = """
            import sys, flatbuffers
            from ai_edge_litert import schema_py_generated as s
            m = s.ModelT.InitFromPackedBuf(open(sys.argv[1], "rb").read(), 0)
            g = m.subgraphs[0]
            def tensor_map(name, index):
                t = s.TensorMapT(); t.name = name; t.tensorIndex = index; return t
            sig = s.SignatureDefT(); sig.signatureKey = "serving_default"; sig.subgraphIndex = 0
            sig.inputs = [tensor_map("input_1", g.inputs[0])]
            sig.outputs = [tensor_map(g.tensors[i].name.decode(), i) for i in g.outputs]
            m.signatureDefs = [sig]
            b = flatbuffers.Builder(0); b.Finish(m.Pack(b), file_identifier=b"TFL3")
            open(sys.argv[2], "wb").write(b.Output())
            """
        try runProcess(python, ["-c", script, modelSet.url(for: .poseLandmarkFull).path, signed.path])
        XCTAssertEqual(try LiteRtModel(runtime: runtime, file: signed).outputs.count, 5)
        XCTAssertThrowsError(try LiteRtModel(runtime: runtime, file: signed, keepingOutputs: ["Identity"])) { error in
            XCTAssertEqual(error as? LiteRtError, .outputsNotSeparable(
                model: "signed.tflite",
                reason: "it has 1 subgraph(s) and 1 signature definition(s); only a model with one subgraph and none "
                    + "can run a subset of its outputs"))
        }
    }
}
