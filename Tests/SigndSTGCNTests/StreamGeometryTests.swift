import Foundation
@testable import SigndSTGCN
import XCTest

/// The stream's reuse bookkeeping for other window lengths and strides (the weights do not depend on T):
/// short windows where no frame is clean, windows where only some blocks have clean frames, stride > 1.
final class StreamGeometryTests: XCTestCase {
    func testStreamMatchesFullRecomputeForOtherWindowsAndStrides() throws {
        try STGCNFixtures.requireDirectory()
        let dir = STGCNFixtures.directory.appendingPathComponent("additive_binary_j75_c2")
        let expected = try STGCNFixtures.expected("additive_binary_j75_c2")
        let sequence = try expected.floats("sequence")
        let frames = expected.tensors["sequence"]!.shape[0]
        let base = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("model.manifest.json"))) as! [String: Any]
        let tmp = try TemporaryDirectory()
        for (window, stride) in [(1, 1), (4, 1), (7, 1), (9, 2), (13, 1), (25, 3), (31, 1)] {
            var manifest = base
            manifest["window"] = window
            manifest["stride"] = stride
            let manifestURL = try tmp.write("w\(window)s\(stride).manifest.json", try JSONSerialization.data(withJSONObject: manifest))
            let model = try STGCNModel(weights: dir.appendingPathComponent("model.safetensors"), manifest: manifestURL)
            let m = model.manifest
            let on = STGCNStream(model: model, reuse: true), off = STGCNStream(model: model, reuse: false)
            var starts: [Int] = []
            for f in 0..<frames {
                let frame = Array(sequence[f * m.frameSize ..< (f + 1) * m.frameSize])
                let a = on.push(frame: frame), b = off.push(frame: frame)
                XCTAssertEqual(a, b, "T=\(window) stride=\(stride) frame \(f): reuse on/off differ")
                guard let a else { continue }
                let s = f + 1 - window
                starts.append(s)
                let full = model.logits(window: Array(sequence[s * m.frameSize ..< (s + window) * m.frameSize]))
                XCTAssertLessThanOrEqual(maxAbsDiff(a, full), 1e-4, "T=\(window) stride=\(stride) window \(s)")
            }
            XCTAssertEqual(starts, Array(Swift.stride(from: 0, through: frames - window, by: stride)), "T=\(window) stride=\(stride)")
        }
    }
}
