import Foundation
@testable import SigndSTGCN
import XCTest

/// Bad files give typed errors naming the file and the tensor or field (docs/signstgcn.md §10, check 6).
final class LoadingErrorTests: XCTestCase {
    private let base = "additive_binary_j75_c2"

    private func baseFiles() throws -> (weights: SafetensorsFile, manifest: Data) {
        let dir = try STGCNFixtures.directory().appendingPathComponent(base)
        return (try SafetensorsFile(url: dir.appendingPathComponent("model.safetensors")),
                try Data(contentsOf: dir.appendingPathComponent("model.manifest.json")))
    }

    /// Loads a model from (possibly altered) weights and manifest; returns the error or nil.
    private func loadError(weights: Data? = nil, manifest: Data? = nil) throws -> STGCNError? {
        let (file, manifestData) = try baseFiles()
        let tmp = try TemporaryDirectory()
        let w = try tmp.write("model.safetensors", weights ?? SafetensorsWriter(copying: file).encode())
        let m = try tmp.write("model.manifest.json", manifest ?? manifestData)
        do {
            _ = try STGCNModel(weights: w, manifest: m)
            return nil
        } catch {
            return error
        }
    }

    private func editedManifest(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: try baseFiles().manifest) as! [String: Any]
        edit(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    private func editedWeights(_ edit: (inout SafetensorsWriter) throws -> Void) throws -> Data {
        var writer = try SafetensorsWriter(copying: try baseFiles().weights)
        try edit(&writer)
        return writer.encode()
    }

    // MARK: safetensors layout

    func testEmptyAndTinyFiles() throws {
        for bytes in [Data(), Data([1, 2, 3])] {
            XCTAssertThrowsError(try SafetensorsFile(data: bytes, path: "x.safetensors")) { error in
                guard case let .safetensors(file, field, _) = error as? STGCNError else { return XCTFail("\(error)") }
                XCTAssertEqual(file, "x.safetensors")
                XCTAssertEqual(field, "header length")
            }
        }
    }

    func testHeaderLengthBeyondFileOrHuge() throws {
        let header = Data(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.utf8)
        var claimsTooMuch = SafetensorsWriter.frame(header: header, data: Data(count: 4))
        claimsTooMuch.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0, 0, 0, 0, 0, 0])
        var absurd = claimsTooMuch
        absurd.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        for bytes in [claimsTooMuch, absurd] {
            XCTAssertThrowsError(try SafetensorsFile(data: bytes, path: "h.safetensors")) { error in
                guard case .safetensors(_, "header length", let problem) = error as? STGCNError else { return XCTFail("\(error)") }
                XCTAssertTrue(problem.contains("header claims"), problem)
            }
        }
    }

    func testTruncatedModelFileIsTypedError() throws {
        let dir = try STGCNFixtures.directory().appendingPathComponent(base)
        let full = try Data(contentsOf: dir.appendingPathComponent("model.safetensors"))
        let tmp = try TemporaryDirectory()
        for keep in [full.count / 2, full.count - 1, 9, 20] {
            let url = try tmp.write("cut.safetensors", full.prefix(keep))
            XCTAssertThrowsError(try STGCNModel(weights: url, manifest: dir.appendingPathComponent("model.manifest.json"))) { error in
                guard case let .safetensors(file, field, problem) = error as? STGCNError else { return XCTFail("\(error)") }
                XCTAssertEqual(file, url.path)
                XCTAssertFalse(field.isEmpty)
                XCTAssertFalse(problem.isEmpty)
                print("truncated to \(keep) bytes: \(error)")
            }
        }
    }

    func testMalformedHeaderJSON() throws {
        let cases: [(String, String)] = [
            (#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]"#, "header"),        // cut JSON
            (#"[1, 2, 3]"#, "header"),                                                          // not an object
            (#"{"a": {"dtype": "F32", "shape": [1]}}"#, "a"),                                   // no offsets
            (#"{"a": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#, "a"),         // fractional dim
            (#"{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#, "a.shape"),
            (#"{"a": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}}"#, "a.dtype"),
            (#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}"#, "a.data_offsets"),  // span ≠ shape
            (#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}}"#, "a.data_offsets"),
            (#"{"a": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 4]}}"#, "a.shape"),
            (#"{"__metadata__": {"k": 1}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, "__metadata__"),
        ]
        for (json, field) in cases {
            let bytes = SafetensorsWriter.frame(header: Data(json.utf8), data: Data(count: 8))
            XCTAssertThrowsError(try SafetensorsFile(data: bytes, path: "j.safetensors"), json) { error in
                guard case .safetensors("j.safetensors", let got, _) = error as? STGCNError else { return XCTFail("\(json): \(error)") }
                XCTAssertEqual(got, field, "\(json): \(error)")
            }
        }
    }

    func testOffsetsOutOfBoundsAndOverlapping() throws {
        var writer = SafetensorsWriter()
        writer.set("a", floats: [1, 2], shape: [2])
        writer.set("b", floats: [3, 4], shape: [2])
        XCTAssertNoThrow(try SafetensorsFile(data: writer.encode(), path: "ok"))
        XCTAssertThrowsError(try SafetensorsFile(data: writer.encode(offsets: ["b": [8, 24]]), path: "o")) { error in
            guard case .safetensors(_, "b.data_offsets", let problem) = error as? STGCNError else { return XCTFail("\(error)") }
            XCTAssertTrue(problem.contains("outside"), problem)
        }
        XCTAssertThrowsError(try SafetensorsFile(data: writer.encode(offsets: ["b": [4, 12]]), path: "o")) { error in
            guard case .safetensors(_, "b.data_offsets", let problem) = error as? STGCNError else { return XCTFail("\(error)") }
            XCTAssertTrue(problem.contains("overlaps tensor 'a'"), problem)
        }
        XCTAssertThrowsError(try SafetensorsFile(data: writer.encode(offsets: ["a": [8, 0]]), path: "o")) { error in
            guard case .safetensors(_, "a.data_offsets", _) = error as? STGCNError else { return XCTFail("\(error)") }
        }
    }

    func testUnreadableFile() {
        XCTAssertThrowsError(try SafetensorsFile(url: URL(fileURLWithPath: "/nonexistent/m.safetensors"))) { error in
            guard case .unreadable(file: "/nonexistent/m.safetensors", _) = error as? STGCNError else { return XCTFail("\(error)") }
        }
    }

    // MARK: keys, shapes, dtypes

    func testUnalteredCopyLoadsAndIgnoredKeysAreAccepted() throws {
        XCTAssertNil(try loadError())
        let withExtras = try editedWeights { w in
            var tracked = Int64(100)
            for l in 0..<3 {
                w.set("backbone.layers.\(l).bn.num_batches_tracked", dtype: "I64", shape: [], bytes: Data(bytes: &tracked, count: 8))
            }
            w.set("signer_head.net.0.weight", floats: [Float](repeating: 1, count: 512), shape: [512])
            w.set("signer_head.net.4.weight", floats: [Float](repeating: 1, count: 8 * 256), shape: [8, 256])
        }
        XCTAssertNil(try loadError(weights: withExtras))
    }

    /// A fraction where a whole number belongs is named as such, not reported as broken JSON.
    func testFractionInAWholeNumberFieldNamesTheField() throws {
        for (key, value, field) in [("window", 25.5, "window"), ("gru_hidden", 255.5, "gru_hidden")] {
            let error = try loadError(manifest: try editedManifest { $0[key] = value })
            XCTAssertEqual(error?.description.contains("manifest field '\(field)': \(value) is not a whole number"), true,
                           String(describing: error))
        }
        let dilations = try loadError(manifest: try editedManifest { $0["dilations"] = [1, 2.5, 3] })
        XCTAssertEqual(dilations?.description.contains("'dilations[1]': 2.5 is not a whole number"), true, String(describing: dilations))
        let broken = try loadError(manifest: Data("{\"window\": ".utf8))
        XCTAssertEqual(broken?.description.contains("not valid JSON"), true, "broken JSON is still called that")
    }

    /// One NaN or inf weight (a diverged training run) would make every probability NaN, silently: it is
    /// refused at load, naming the tensor and the count.
    func testNonFiniteWeightsAreRefusedAtLoad() throws {
        let (file, _) = try baseFiles()
        let name = "cls_head.net.4.bias"
        let info = try XCTUnwrap(file.tensors[name])
        for bad: Float in [.nan, .infinity] {
            var values = try file.floats(name)
            values[0] = bad
            values[values.count - 1] = bad
            let weights = try editedWeights { $0.set(name, floats: values, shape: info.shape) }
            let error = try loadError(weights: weights)
            XCTAssertEqual(error, .nonFinite(file: error.map { if case .nonFinite(let f, _, _) = $0 { f } else { "" } } ?? "",
                                             tensor: name, count: 2), "\(String(describing: error))")
            XCTAssertTrue(error?.description.contains("non-finite") == true)
        }
    }

    func testIgnoredKeysMustHaveTheirPyTorchDtype() throws {
        let counterAsFloat = try editedWeights { $0.set("backbone.layers.0.bn.num_batches_tracked", floats: [1], shape: []) }
        XCTAssertEqual(try loadError(weights: counterAsFloat).map { "\($0)" }?.contains("has dtype F32, expected I64"), true)
        let headAsInt = try editedWeights { $0.set("signer_head.net.1.bias", dtype: "I64", shape: [1], bytes: Data(count: 8)) }
        guard case .wrongDtype(_, "signer_head.net.1.bias", "I64", "F32") = try loadError(weights: headAsInt) else {
            return XCTFail("expected wrongDtype for signer_head.net.1.bias")
        }
    }

    func testMissingKey() throws {
        let weights = try editedWeights { $0.remove("backbone.layers.1.bn.running_var") }
        guard case let .missingTensor(_, tensor) = try loadError(weights: weights) else { return XCTFail("expected missingTensor") }
        XCTAssertEqual(tensor, "backbone.layers.1.bn.running_var")
    }

    func testExtraKey() throws {
        let weights = try editedWeights { $0.set("backbone.layers.2.res_proj.weight", floats: [Float](repeating: 0, count: 128 * 128), shape: [128, 128]) }
        guard case let .unexpectedTensor(file, tensor) = try loadError(weights: weights) else { return XCTFail("expected unexpectedTensor") }
        XCTAssertTrue(file.hasSuffix("/model.safetensors"), file)
        XCTAssertEqual(tensor, "backbone.layers.2.res_proj.weight")
    }

    func testWrongShape() throws {
        let weights = try editedWeights { $0.set("temporal.gru.bias_hh_l0_reverse", floats: [Float](repeating: 0, count: 767), shape: [767]) }
        guard case let .wrongShape(_, tensor, expected, actual) = try loadError(weights: weights) else { return XCTFail("expected wrongShape") }
        XCTAssertEqual(tensor, "temporal.gru.bias_hh_l0_reverse")
        XCTAssertEqual(expected, [768])
        XCTAssertEqual(actual, [767])
    }

    func testWrongDtype() throws {
        let weights = try editedWeights { $0.set("attn.q_proj.weight", dtype: "F16", shape: [128, 128], bytes: Data(count: 128 * 128 * 2)) }
        guard case let .wrongDtype(_, tensor, dtype, expected) = try loadError(weights: weights) else { return XCTFail("expected wrongDtype") }
        XCTAssertEqual(tensor, "attn.q_proj.weight")
        XCTAssertEqual(dtype, "F16")
        XCTAssertEqual(expected, "F32")
    }

    // MARK: manifest

    func testMalformedManifest() throws {
        let cases: [(Data, String)] = [
            (Data("{ not json".utf8), "(document)"),
            (try editedManifest { $0.removeValue(forKey: "num_joints") }, "num_joints"),
            (try editedManifest { $0["window"] = "25" }, "window"),
            (try editedManifest { $0["attention"] = "sparse" }, "attention"),
            (try editedManifest { $0["format"] = "other" }, "format"),
            (try editedManifest { $0["num_joints"] = 76 }, "num_joints"),
            (try editedManifest { $0["labels"] = ["a"] }, "labels"),
            (try editedManifest { $0["kernel"] = 5 }, "kernel"),
            (try editedManifest { $0["window"] = 1000; $0["num_joints"] = 90000; $0["joint_layout"] = [["part": "face", "joints": 90000]] }, "window"),
            (try editedManifest { $0["dilations"] = [1, 2] }, "dilations"),
            (try editedManifest { $0["graph"] = ["kind": "skeleton", "self_loops": true, "normalization": "symmetric", "degree_epsilon": 1e-6] }, "graph.kind"),
            (try editedManifest { $0["pose_stats"] = ["dim": 16] }, "pose_stats.dim"),
            (try editedManifest { var l = $0["joint_layout"] as! [[String: Any]]; l[1]["joints"] = "21"; $0["joint_layout"] = l }, "joint_layout[1].joints"),
            (try editedManifest { $0["zeroed_joints"] = [25, 75] }, "zeroed_joints[1]"),
            (try editedManifest { $0["zeroed_joints"] = [25, 25] }, "zeroed_joints"),
            (try editedManifest { $0["zeroed_joints"] = "25-32" }, "zeroed_joints"),
            (try editedManifest { $0["normalize_joints"] = [11] }, "normalize_joints"),
            (try editedManifest { $0["normalize_joints"] = [11, 11] }, "normalize_joints"),
            (try editedManifest { $0["normalize_joints"] = [11, 75] }, "normalize_joints[1]"),
            (try editedManifest { $0["zeroed_joints"] = [12]; $0["normalize_joints"] = [11, 12] }, "normalize_joints"),
        ]
        for (data, field) in cases {
            guard case let .manifest(file, got, problem) = try loadError(manifest: data) else {
                XCTFail("expected a manifest error for \(field)")
                continue
            }
            XCTAssertTrue(file.hasSuffix("model.manifest.json"))
            XCTAssertEqual(got, field, "\(field): \(problem)")
        }
    }

    /// `open_set` (multi-class heads only): each bad value is refused naming its field; a good one loads with
    /// its background class found by label.
    func testOpenSetFieldIsValidated() throws {
        func multiclass(_ edit: @escaping (inout [String: Any]) -> Void) throws -> Data {
            try editedManifest {
                $0["binary"] = false; $0["signing_index"] = NSNull(); $0["labels"] = ["a", "b"]
                edit(&$0)
            }
        }
        let good: [String: Any] = ["score": "max_mean_probability", "unknown_below": 0.7, "background_label": "b"]
        let cases: [(Data, String)] = [
            (try editedManifest { $0["open_set"] = good }, "open_set"),
            (try multiclass { $0["labels"] = ["a", "unknown"] }, "labels[1]"),
            (try multiclass { $0["open_set"] = good.merging(["score": "energy"]) { $1 } }, "open_set.score"),
            (try multiclass { $0["open_set"] = good.merging(["unknown_below": 1.5]) { $1 } }, "open_set.unknown_below"),
            (try multiclass { $0["open_set"] = good.merging(["background_label": "zzz"]) { $1 } }, "open_set.background_label"),
            (try multiclass { $0["open_set"] = ["score": "max_mean_probability"] }, "open_set.unknown_below"),
        ]
        for (data, field) in cases {
            XCTAssertThrowsError(try STGCNManifest.decode(data, file: "m.json"), field) { error in
                guard case let .manifest(file, got, problem) = error as? STGCNError else { return XCTFail("\(error)") }
                XCTAssertEqual(file, "m.json")
                XCTAssertEqual(got, field, "\(field): \(problem)")
            }
        }
        let decoded = try STGCNManifest.decode(try multiclass { $0["open_set"] = good }, file: "m.json")
        XCTAssertEqual(decoded.openSet?.unknownBelow, 0.7)
        XCTAssertEqual(decoded.backgroundClass, 1)
        XCTAssertNil(try STGCNManifest.decode(try multiclass { _ in }, file: "m.json").openSet)
    }

    func testFreeFormProvenanceIsAccepted() throws {
        let manifest = try editedManifest {
            $0["provenance"] = ["source": "seed-import", "checkpoint": 7, "upstream_commit": "",
                                "checkpoint_entries": ["epoch": 3, "metric": "nan"], "training_config": [:]]
        }
        XCTAssertNil(try loadError(manifest: manifest))
        let decoded = try STGCNManifest.decode(manifest, file: "m.json")
        XCTAssertEqual(decoded.provenance?.source, "seed-import")
        XCTAssertNil(decoded.provenance?.checkpoint)
    }

    func testManifestDisagreesWithWeights() throws {
        let cases: [(Data, String, String)] = [
            (try editedManifest { $0["attention"] = "film" }, "attention", "attn.k_scale_net.0.weight"),
            (try editedManifest { $0["coords"] = ["x", "y", "z"]; $0["pose_stats"] = ["dim": 6] }, "coords", "backbone.layers.0.gc.lin.weight"),
            (try editedManifest { $0["num_classes"] = 3; $0["labels"] = ["a", "b", "c"]; $0["binary"] = false }, "num_classes", "cls_head.net.4.weight"),
            (try editedManifest { $0["channels"] = [64, 128, 128, 128]; $0["dilations"] = [1, 2, 3, 4] }, "channels[3]", "backbone.layers.3.gc.lin.weight"),
            (try editedManifest { $0["channels"] = [64, 128]; $0["dilations"] = [1, 2] }, "channels", "backbone.layers.2.gc.lin.weight"),
            (try editedManifest { $0["gru_hidden"] = 128 }, "gru_hidden", "temporal.gru.weight_hh_l0"),
        ]
        for (manifest, field, tensor) in cases {
            let error = try loadError(manifest: manifest)
            switch error {
            case let .mismatch(f, t, _)?:
                XCTAssertEqual(f, field)
                XCTAssertEqual(t, tensor)
            case let .missingTensor(_, t)? where field == "channels[3]":
                XCTAssertEqual(t, tensor)  // a block the weights do not have is reported as its missing key
            default:
                XCTFail("\(field): expected a mismatch error, got \(String(describing: error))")
            }
        }
        // A FiLM file under an additive manifest.
        let film = try STGCNFixtures.directory().appendingPathComponent("film_binary_j75_c3/model.safetensors")
        let tmp = try TemporaryDirectory()
        let manifest = try tmp.write("m.json", try editedManifest { $0["coords"] = ["x", "y", "z"]; $0["pose_stats"] = ["dim": 6] })
        XCTAssertThrowsError(try STGCNModel(weights: film, manifest: manifest)) { error in
            guard case .mismatch("attention", _, _) = error as? STGCNError else { return XCTFail("\(error)") }
        }
    }

    func testWrongSizedInputsAreTypedErrors() throws {
        let model = try STGCNFixtures.model(base)
        XCTAssertThrowsError(try model.forward(window: [1, 2, 3])) { error in
            guard case .input(_, 3750, 3) = error as? STGCNError else { return XCTFail("\(error)") }
        }
    }

    func testErrorDescriptionsNameFileAndField() {
        let e = STGCNError.wrongShape(file: "m.safetensors", tensor: "attn.q_proj.weight", expected: [128, 128], actual: [128, 127])
        XCTAssertEqual(e.description, "m.safetensors: tensor 'attn.q_proj.weight' has shape [128, 127], expected [128, 128]")
        XCTAssertEqual(STGCNError.manifest(file: "m.json", field: "window", problem: "missing").localizedDescription,
                       "m.json: manifest field 'window': missing")
    }
}

final class SoftmaxTests: XCTestCase {
    func testSoftmaxAndTopK() {
        let p = softmax([1, 2, 3])
        XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(p[2], 0.66524096, accuracy: 1e-6)
        XCTAssertEqual(softmax([1000, 1000]), [0.5, 0.5])
        XCTAssertEqual(softmax([]), [])
        let top = topK([0.1, 0.7, 0.2, 0.7], k: 3)
        XCTAssertEqual(top.map(\.index), [1, 3, 2])
        XCTAssertEqual(topK([1], k: 0).count, 0)
        XCTAssertEqual(topK([1, 2], k: 5).count, 2)
    }

    func testSigningProbabilityFollowsTheManifest() throws {
        let binary = try STGCNFixtures.model("additive_binary_j75_c2").manifest
        XCTAssertEqual(binary.signingClass, 1)
        XCTAssertEqual(try XCTUnwrap(binary.signingProbability([0, 1])), 0.7310586, accuracy: 1e-6)
        XCTAssertNil(binary.signingProbability([0, 1, 2]))
        let multi = try STGCNFixtures.model("additive_c100_j75_c2").manifest
        XCTAssertNil(multi.signingProbability([Float](repeating: 0, count: 100)))
    }
}
