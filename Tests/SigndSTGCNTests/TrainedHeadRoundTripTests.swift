import Foundation
import SigndSTGCN
import SigndTestSupport
import XCTest

/// Train → export → Swift: a smoke training run of the PyTorch package (`Training/tests/smoke_export_check.py`,
/// a few synthetic files, zeroed joints, shoulder normalisation and hand frames on) exports a head; the Swift engine loads it
/// and gives PyTorch's logits on raw windows with missing parts, full window and streaming.
final class TrainedHeadRoundTripTests: XCTestCase {
    func testSmokeTrainedHeadGivesPyTorchLogits() throws {
        let python = try ReferencePython.require(ReferencePython.main)
        let tmp = try TemporaryDirectory()
        let script = TestPaths.packageRoot.appendingPathComponent("Training/tests/smoke_export_check.py").path
        try runProcess(python, [script, tmp.url.path])
        let model = try STGCNModel.load(stem: tmp.url.appendingPathComponent("head"))
        let m = model.manifest
        XCTAssertEqual(m.normalizeJoints, [11, 12])
        XCTAssertEqual(m.zeroedJoints, Array(25...32))
        XCTAssertEqual(m.handLocal, [.init(origin: 33, scale: 42, first: 34, count: 20),
                                     .init(origin: 54, scale: 63, first: 55, count: 20)])
        let check = try SafetensorsFile(url: tmp.url.appendingPathComponent("check.safetensors"))
        let windows = try check.floats("windows"), want = try check.floats("logits")
        let count = try XCTUnwrap(check.tensors["windows"]).shape[0]
        let got = model.logits(windows: windows, count: count)
        XCTAssertLessThanOrEqual(maxAbsDiff(got, want), 1e-5, "full windows")
        for b in 0..<count {
            let stream = STGCNStream(model: model, reuse: true)
            var out: [Float]?
            for f in 0..<m.window {
                let start = b * m.windowSize + f * m.frameSize
                out = stream.push(frame: Array(windows[start ..< start + m.frameSize]))
            }
            XCTAssertLessThanOrEqual(maxAbsDiff(try XCTUnwrap(out), Array(want[b * 2 ..< b * 2 + 2])), 1e-5, "stream, window \(b)")
        }
        // The logits depend on the input (a head that ignored it would pass the checks above trivially).
        XCTAssertGreaterThan(maxAbsDiff(Array(got[0..<2]), Array(got[4..<6])), 1e-6)
    }
}
