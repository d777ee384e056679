import Foundation
@testable import SigndSTGCN
import XCTest

/// Swift forward pass vs the PyTorch twin on the shared fixtures (docs/signstgcn.md §10, checks 1–5, 7, 8).
final class ParityTests: XCTestCase {
    static let tolerance: Float = 1e-4

    func testBatchLogitsMatchPyTorchForEveryCase() throws {
        for name in STGCNFixtures.cases {
            let model = try STGCNFixtures.model(name)
            let expected = try STGCNFixtures.expected(name)
            let windows = try expected.floats("windows")
            let count = expected.tensors["windows"]!.shape[0]
            XCTAssertGreaterThan(windows.filter { !$0.isFinite }.count, 0, "\(name): fixture should contain NaN/inf")
            let logits = model.logits(windows: windows, count: count)
            let diff = maxAbsDiff(logits, try expected.floats("logits"))
            XCTAssertLessThanOrEqual(diff, Self.tolerance, "\(name): batch logits differ by \(diff)")
            print("parity \(name): batch max|Δlogit| = \(diff)")
        }
    }

    func testSingleWindowLogitsAndFeaturesMatchPyTorch() throws {
        for name in STGCNFixtures.cases {
            let model = try STGCNFixtures.model(name)
            let m = model.manifest
            let expected = try STGCNFixtures.expected(name)
            let windows = try expected.floats("windows")
            let logits = try expected.floats("logits"), h = try expected.floats("H"), hAtt = try expected.floats("H_att")
            let z = try expected.floats("Z"), stats = try expected.floats("pose_stats")
            let count = expected.tensors["windows"]!.shape[0]
            let nc = m.numClasses, td = m.window * m.featureDim, zd = 2 * m.gruHidden, sd = 2 * m.coordCount
            for b in 0..<count {
                let window = Array(windows[b * m.windowSize ..< (b + 1) * m.windowSize])
                let out = try model.forward(window: window)
                XCTAssertEqual(model.logits(window: window), out.logits, "\(name)[\(b)]: logits(window:) vs forward")
                let checks: [(String, [Float], [Float], Float)] = [
                    ("pose_stats", out.poseStats, Array(stats[b * sd ..< (b + 1) * sd]), 2e-6),
                    ("H", out.h, Array(h[b * td ..< (b + 1) * td]), Self.tolerance),
                    ("H_att", out.hAtt, Array(hAtt[b * td ..< (b + 1) * td]), Self.tolerance),
                    ("Z", out.z, Array(z[b * zd ..< (b + 1) * zd]), Self.tolerance),
                    ("logits", out.logits, Array(logits[b * nc ..< (b + 1) * nc]), Self.tolerance),
                ]
                for (what, got, want, tol) in checks {
                    let diff = maxAbsDiff(got, want)
                    XCTAssertLessThanOrEqual(diff, tol, "\(name) window \(b): \(what) differs by \(diff)")
                }
            }
        }
    }

    func testStreamingWithAndWithoutReuseMatchesSequenceLogits() throws {
        for name in STGCNFixtures.cases {
            let model = try STGCNFixtures.model(name)
            let m = model.manifest
            let expected = try STGCNFixtures.expected(name)
            let sequence = try expected.floats("sequence")
            let want = try expected.floats("sequence_logits")
            let frames = expected.tensors["sequence"]!.shape[0]
            let reused = STGCNStream(model: model, reuse: true)
            let recomputed = STGCNStream(model: model, reuse: false)
            var outReuse: [Float] = [], outFull: [Float] = [], emitted: [Int] = []
            for f in 0..<frames {
                let frame = Array(sequence[f * m.frameSize ..< (f + 1) * m.frameSize])
                let a = reused.push(frame: frame), b = recomputed.push(frame: frame)
                XCTAssertEqual(a == nil, b == nil)
                if let a, let b {
                    outReuse += a
                    outFull += b
                    emitted.append(f)
                }
            }
            XCTAssertEqual(emitted.first, m.window - 1, "\(name): first output must come with frame T")
            XCTAssertEqual(emitted.count, frames - m.window + 1)
            // Steady state: T = 25, d = 1, 2, 3 → 1, 3, 7 fresh input frames per block, 13 H rows
            // (12 edge rows + the one that just became clean); without reuse everything, every window.
            XCTAssertEqual(reused.lastWindowWork.blocks, [1, 3, 7], name)
            XCTAssertEqual(reused.lastWindowWork.pooled, 13, name)
            XCTAssertEqual(recomputed.lastWindowWork.blocks, [25, 25, 25], name)
            XCTAssertEqual(recomputed.lastWindowWork.pooled, 25, name)
            // Reuse changes which frames are computed, not the arithmetic: bit-identical.
            XCTAssertEqual(outReuse, outFull, "\(name): reuse on/off must be bit-identical")
            let diff = maxAbsDiff(outReuse, want)
            XCTAssertLessThanOrEqual(diff, Self.tolerance, "\(name): stream vs sequence_logits differ by \(diff)")

            // The batch path on the same windows agrees too.
            var stacked: [Float] = []
            for s in 0..<emitted.count { stacked += sequence[s * m.frameSize ..< (s + m.window) * m.frameSize] }
            let batch = model.logits(windows: stacked, count: emitted.count)
            XCTAssertLessThanOrEqual(maxAbsDiff(batch, want), Self.tolerance, "\(name): batch vs sequence_logits")
            print("stream \(name): max|Δ| vs PyTorch = \(diff), batch vs stream = \(maxAbsDiff(batch, outReuse))")
        }
    }

    func testStreamResetAndReuseAcrossResets() throws {
        let model = try STGCNFixtures.model("additive_binary_j75_c2")
        let m = model.manifest
        let expected = try STGCNFixtures.expected("additive_binary_j75_c2")
        let sequence = try expected.floats("sequence")
        let want = try expected.floats("sequence_logits")
        let stream = STGCNStream(model: model)
        // Feed a few unrelated frames, reset, then the sequence: results must not see the old frames.
        for _ in 0..<30 { _ = stream.push(frame: [Float](repeating: 0.5, count: m.frameSize)) }
        stream.reset()
        XCTAssertEqual(stream.framesSeen, 0)
        var out: [Float] = []
        for f in 0..<(m.window + 3) {
            if let logits = stream.push(frame: Array(sequence[f * m.frameSize ..< (f + 1) * m.frameSize])) { out += logits }
        }
        XCTAssertEqual(out.count, 4 * m.numClasses)
        XCTAssertLessThanOrEqual(maxAbsDiff(out, Array(want[0 ..< 4 * m.numClasses])), Self.tolerance)
        XCTAssertThrowsError(try stream.tryPush(frame: [1, 2, 3])) { error in
            XCTAssertEqual(error as? STGCNError, .input(what: "frame \(m.window + 3) (J=75, C=2)", expected: 150, actual: 3))
        }
    }

    func testAdjacencyMatchesReferenceValues() throws {
        let a = ChainAdjacency(joints: 75)
        func close(_ x: Float, _ y: Float) -> Bool { abs(x - y) <= 2 * y.ulp }
        XCTAssertTrue(close(a.entry(0, 0), 0.49999973), "A[0,0] = \(a.entry(0, 0))")
        XCTAssertTrue(close(a.entry(74, 74), 0.49999973))
        XCTAssertTrue(close(a.entry(0, 1), 0.40824810), "A[0,1] = \(a.entry(0, 1))")
        XCTAssertTrue(close(a.entry(73, 74), 0.40824810))
        XCTAssertTrue(close(a.entry(40, 40), 0.33333319), "A[40,40] = \(a.entry(40, 40))")
        XCTAssertTrue(close(a.entry(40, 41), 0.33333319))
        XCTAssertEqual(a.entry(0, 2), 0)
        XCTAssertEqual(a.rowSum[0], 0.90825, accuracy: 1e-5)
        XCTAssertEqual(a.rowSum[1], 1.07491, accuracy: 1e-5)
        XCTAssertEqual(a.rowSum[37], 1.0, accuracy: 1e-5)

        let file = try SafetensorsFile(url: try STGCNFixtures.directory().appendingPathComponent("adjacency_j75.safetensors"))
        let reference = try file.floats("A")
        XCTAssertEqual(file.tensors["A"]?.shape, [75, 75])
        let dense = a.dense()
        for i in 0..<(75 * 75) {
            XCTAssertTrue(abs(dense[i] - reference[i]) <= 2 * max(reference[i].ulp, 0),
                          "A[\(i / 75),\(i % 75)] = \(dense[i]), reference \(reference[i])")
        }
    }

    func testModelIsUsableFromSeveralThreads() throws {
        let model = try STGCNFixtures.model("film_binary_j75_c3")
        let expected = try STGCNFixtures.expected("film_binary_j75_c3")
        let windows = try expected.floats("windows"), want = try expected.floats("logits")
        let size = model.manifest.windowSize, nc = model.manifest.numClasses
        let results = ResultsBox(count: 6)
        DispatchQueue.concurrentPerform(iterations: 6) { b in
            results.set(b, model.logits(window: Array(windows[b * size ..< (b + 1) * size])))
        }
        for b in 0..<6 {
            XCTAssertLessThanOrEqual(maxAbsDiff(results.get(b), Array(want[b * nc ..< (b + 1) * nc])), Self.tolerance)
        }
    }
}

private final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[Float]]
    init(count: Int) { values = Array(repeating: [], count: count) }
    func set(_ i: Int, _ v: [Float]) { lock.lock(); values[i] = v; lock.unlock() }
    func get(_ i: Int) -> [Float] { lock.lock(); defer { lock.unlock() }; return values[i] }
}
