import Foundation
import SigndSTGCN
import SigndTestSupport
import XCTest

/// The default heads shipped in `Models/` load in the Swift engine and reproduce the logits the PyTorch
/// training package computed for a few real test windows (`Models/NAME.check.safetensors`, written by
/// `python -m signstgcn.model_cards --write-checks`).
final class DefaultModelTests: XCTestCase {
    /// The committed logits were made on one CPU: PyTorch's own spread across CPUs is ≤ 4e-6 on logits of this
    /// size (Training/tests/test_fixtures.py) and Swift vs PyTorch on one machine ≤ 1.3e-5 (ParityTests), so
    /// 1e-4 absolute holds on any CPU.
    static let tolerance: Float = 1e-4
    static let directory = TestPaths.packageRoot.appendingPathComponent("Models")
    static let names = ["signing-binary", "asl-signs"]

    func testShippedModelsReproduceTrainingLogits() throws {
        for name in Self.names {
            let model = try STGCNModel.load(stem: Self.directory.appendingPathComponent(name))
            let m = model.manifest
            XCTAssertEqual(m.numJoints, 75, "\(name): the daemon's landmark stage gives pose + hands")
            XCTAssertEqual(m.coords, ["x", "y"], "\(name)")
            let check = try SafetensorsFile(url: Self.directory.appendingPathComponent("\(name).check.safetensors"))
            guard let info = check.tensors["windows"], let logitInfo = check.tensors["logits"] else {
                return XCTFail("\(name).check.safetensors lacks 'windows' or 'logits'")
            }
            XCTAssertEqual(Array(info.shape.dropFirst()), [m.window, m.numJoints, m.coordCount], "\(name): window shape")
            XCTAssertEqual(logitInfo.shape, [info.shape[0], m.numClasses], "\(name): logits shape")
            let windows = try check.floats("windows"), want = try check.floats("logits")
            let count = info.shape[0]
            XCTAssertGreaterThan(count, 0)
            if let zeroed = m.zeroedJoints, !zeroed.isEmpty {
                // The check windows are raw: the engine itself must drop these joints to match PyTorch.
                let c = m.coordCount
                let present = (0..<(count * m.window)).contains { f in zeroed.contains { windows[(f * m.numJoints + $0) * c].isFinite } }
                XCTAssertTrue(present, "\(name): the check windows should hold values in the zeroed joints")
            }
            let got = model.logits(windows: windows, count: count)
            let diff = maxAbsDiff(got, want)
            XCTAssertLessThanOrEqual(diff, Self.tolerance, "\(name): logits differ from PyTorch by \(diff)")
            // One window at a time too (the streaming path's entry point).
            for b in 0..<count {
                let one = model.logits(window: Array(windows[b * m.windowSize ..< (b + 1) * m.windowSize]))
                let d = maxAbsDiff(one, Array(want[b * m.numClasses ..< (b + 1) * m.numClasses]))
                XCTAssertLessThanOrEqual(d, Self.tolerance, "\(name) window \(b): logits differ by \(d)")
            }
            print("default model \(name): \(count) windows, max|Δlogit| = \(diff)")
        }
    }

    func testBinaryDefaultModelSignalsSigningAtIndexOne() throws {
        let model = try STGCNModel.load(stem: Self.directory.appendingPathComponent("signing-binary"))
        XCTAssertEqual(model.manifest.numClasses, 2)
        XCTAssertEqual(model.manifest.labels, ["not_signing", "signing"])
    }

    func testMultiClassDefaultModelCarriesItsGlosses() throws {
        let model = try STGCNModel.load(stem: Self.directory.appendingPathComponent("asl-signs"))
        XCTAssertEqual(model.manifest.labels.count, model.manifest.numClasses)
        XCTAssertGreaterThanOrEqual(model.manifest.numClasses, 2)
    }
}
