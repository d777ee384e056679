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

    /// `zeroed_joints`: the head sees those joints as 0 (also in pose_stats) on both paths, exactly as if
    /// the caller had delivered them as NaN, and that changes the logits of real input.
    func testZeroedJointsActLikeMissingJoints() throws {
        try STGCNFixtures.requireDirectory()
        let dir = STGCNFixtures.directory.appendingPathComponent("additive_binary_j75_c2")
        let sequence = try STGCNFixtures.expected("additive_binary_j75_c2").floats("sequence")
        var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("model.manifest.json"))) as! [String: Any]
        let zeroed = Array(25...32)
        manifest["zeroed_joints"] = zeroed
        let tmp = try TemporaryDirectory()
        let url = try tmp.write("zeroed.manifest.json", try JSONSerialization.data(withJSONObject: manifest))
        let plain = try STGCNModel(weights: dir.appendingPathComponent("model.safetensors"), manifest: dir.appendingPathComponent("model.manifest.json"))
        let masked = try STGCNModel(weights: dir.appendingPathComponent("model.safetensors"), manifest: url)
        XCTAssertEqual(masked.manifest.zeroedJoints, zeroed)
        let m = plain.manifest, frameSize = m.frameSize, c = m.coordCount
        var withNaN = Array(sequence[0 ..< m.window * frameSize])
        for f in 0..<m.window { for j in zeroed { for k in 0..<c { withNaN[f * frameSize + j * c + k] = .nan } } }
        let raw = Array(sequence[0 ..< m.window * frameSize])
        let expected = plain.logits(window: withNaN)
        XCTAssertEqual(masked.logits(window: raw), expected, "full recompute")
        XCTAssertGreaterThan(maxAbsDiff(plain.logits(window: raw), expected), 1e-4, "the joints matter for this input")
        let stream = STGCNStream(model: masked, reuse: true)
        var out: [Float]?
        for f in 0..<m.window { out = stream.push(frame: Array(raw[f * frameSize ..< (f + 1) * frameSize])) }
        XCTAssertLessThanOrEqual(maxAbsDiff(try XCTUnwrap(out), expected), 1e-5, "streaming")
    }
}
