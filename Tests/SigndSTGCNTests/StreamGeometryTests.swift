import Foundation
@testable import SigndSTGCN
import XCTest

/// The stream's reuse bookkeeping for other window lengths and strides (the weights do not depend on T):
/// short windows where no frame is clean, windows where only some blocks have clean frames, stride > 1.
final class StreamGeometryTests: XCTestCase {
    func testStreamMatchesFullRecomputeForOtherWindowsAndStrides() throws {
        let dir = try STGCNFixtures.directory().appendingPathComponent("additive_binary_j75_c2")
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
        let dir = try STGCNFixtures.directory().appendingPathComponent("additive_binary_j75_c2")
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

    /// `normalize_joints`: each present x, y becomes (value − shoulder midpoint) / shoulder distance, per frame;
    /// missing and zeroed joints stay 0, and a frame without both shoulders is all 0. Values worked by hand.
    func testNormalizeJointsRule() throws {
        var manifest = try STGCNFixtures.model("additive_binary_j75_c2").manifest
        manifest.zeroedJoints = [30]
        manifest.normalizeJoints = [11, 12]
        let size = manifest.frameSize
        var raw = [Float](repeating: .nan, count: 2 * size)
        func set(_ f: Int, _ j: Int, _ x: Float, _ y: Float) { raw[f * size + j * 2] = x; raw[f * size + j * 2 + 1] = y }
        set(0, 11, 0.25, 0.5); set(0, 12, 0.75, 0.5)      // midpoint (0.5, 0.5), distance 0.5
        set(0, 0, 0.5, 0.25); set(0, 33, 1.0, 1.5); set(0, 30, 0.9, 0.9)
        raw[0 * size + 40 * 2] = 0.6                      // x present, y missing
        set(1, 11, 0.25, 0.5); set(1, 0, 0.5, 0.25)       // right shoulder missing
        var out = [Float](repeating: -1, count: 2 * size)
        raw.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { prepareInput(src.baseAddress!, $0.baseAddress!, frames: 2, manifest: manifest) }
        }
        func at(_ f: Int, _ j: Int) -> [Float] { Array(out[f * size + j * 2 ..< f * size + j * 2 + 2]) }
        XCTAssertEqual(at(0, 11), [-0.5, 0]); XCTAssertEqual(at(0, 12), [0.5, 0])
        XCTAssertEqual(at(0, 0), [0, -0.5]); XCTAssertEqual(at(0, 33), [1, 2])
        XCTAssertEqual(at(0, 30), [0, 0], "zeroed joint")
        XCTAssertEqual(at(0, 40), [(Float(0.6) - 0.5) / 0.5, 0], "missing y stays 0")
        XCTAssertEqual(at(0, 5), [0, 0], "missing joint stays 0")
        XCTAssertTrue(out[size ..< 2 * size].allSatisfy { $0 == 0 }, "a frame without both shoulders is all 0")
    }

    /// `hand_local`: each present joint of a hand becomes (value − wrist) / |knuckle − wrist| from the raw frame,
    /// also where the frame has no body frame; the wrist keeps the body frame, and a frame without the wrist or
    /// the knuckle has the hand's joints 0. Values worked by hand.
    func testHandLocalRule() throws {
        var manifest = try STGCNFixtures.model("additive_binary_j75_c2").manifest
        manifest.normalizeJoints = [11, 12]
        manifest.handLocal = [.init(origin: 33, scale: 42, first: 34, count: 20)]
        let size = manifest.frameSize
        var raw = [Float](repeating: .nan, count: 3 * size)
        func set(_ f: Int, _ j: Int, _ x: Float, _ y: Float) { raw[f * size + j * 2] = x; raw[f * size + j * 2 + 1] = y }
        set(0, 11, 0.25, 0.5); set(0, 12, 0.75, 0.5)      // body frame: midpoint (0.5, 0.5), distance 0.5
        set(0, 33, 0.5, 0.75); set(0, 42, 0.5, 0.5)       // wrist, knuckle 0.25 above it
        set(0, 38, 0.625, 0.25)                           // a fingertip
        raw[0 * size + 40 * 2] = 0.75                     // x present, y missing
        set(1, 33, 0.5, 0.75); set(1, 42, 0.75, 0.75); set(1, 38, 0.5, 1.0)   // no shoulders
        set(2, 11, 0.25, 0.5); set(2, 12, 0.75, 0.5); set(2, 42, 0.5, 0.5); set(2, 38, 0.6, 0.2)  // no wrist
        var out = [Float](repeating: -1, count: 3 * size)
        raw.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { prepareInput(src.baseAddress!, $0.baseAddress!, frames: 3, manifest: manifest) }
        }
        func at(_ f: Int, _ j: Int) -> [Float] { Array(out[f * size + j * 2 ..< f * size + j * 2 + 2]) }
        XCTAssertEqual(at(0, 33), [0, 0.5], "the wrist stays in the body frame")
        XCTAssertEqual(at(0, 42), [0, -1]); XCTAssertEqual(at(0, 38), [0.5, -2])
        XCTAssertEqual(at(0, 40), [1, 0], "missing y stays 0")
        XCTAssertEqual(at(0, 35), [0, 0], "missing joint stays 0")
        XCTAssertEqual(at(1, 38), [0, 1], "hand frame without a body frame")
        XCTAssertEqual(at(1, 33), [0, 0], "the wrist has no body frame there")
        XCTAssertEqual(at(1, 42), [1, 0])
        XCTAssertEqual(at(2, 38), [0, 0], "no wrist: the hand's joints count as missing")
        XCTAssertEqual(at(2, 42), [0, 0])
    }

    /// With `normalize_joints` a head cannot tell where the person stands or how far away: moving and scaling
    /// the whole image leaves the logits unchanged up to rounding (they change without it), full and streaming.
    func testNormalizedHeadIgnoresFramingOnBothPaths() throws {
        let dir = try STGCNFixtures.directory().appendingPathComponent("additive_binary_j75_c2")
        let sequence = try STGCNFixtures.expected("additive_binary_j75_c2").floats("sequence")
        var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("model.manifest.json"))) as! [String: Any]
        manifest["normalize_joints"] = [11, 12]
        let tmp = try TemporaryDirectory()
        let url = try tmp.write("normalized.manifest.json", try JSONSerialization.data(withJSONObject: manifest))
        let plain = try STGCNModel(weights: dir.appendingPathComponent("model.safetensors"), manifest: dir.appendingPathComponent("model.manifest.json"))
        let normalized = try STGCNModel(weights: dir.appendingPathComponent("model.safetensors"), manifest: url)
        XCTAssertEqual(normalized.manifest.normalizeJoints, [11, 12])
        let m = normalized.manifest, frameSize = m.frameSize
        let raw = Array(sequence[0 ..< m.window * frameSize])
        XCTAssertTrue((0..<m.window).contains { raw[$0 * frameSize + 22].isFinite && raw[$0 * frameSize + 24].isFinite },
                      "the fixture has shoulders")
        // x' = 0.6 x + 0.3, y' = 0.6 y + 0.1 (a farther, off-centre person), channel by channel.
        let moved = raw.enumerated().map { i, v in i % 2 == 0 ? 0.6 * v + 0.3 : 0.6 * v + 0.1 }
        let expected = normalized.logits(window: raw)
        XCTAssertLessThanOrEqual(maxAbsDiff(normalized.logits(window: moved), expected), 1e-4, "framing ignored")
        XCTAssertGreaterThan(maxAbsDiff(plain.logits(window: moved), plain.logits(window: raw)), 1e-3, "raw head sees it")
        let stream = STGCNStream(model: normalized, reuse: true)
        var out: [Float]?
        for f in 0..<m.window { out = stream.push(frame: Array(moved[f * frameSize ..< (f + 1) * frameSize])) }
        XCTAssertLessThanOrEqual(maxAbsDiff(try XCTUnwrap(out), expected), 1e-4, "streaming")
    }
}
