import Foundation
import SigndCore

/// Intermediate features of one window, for tests and diagnostics.
public struct STGCNOutput: Sendable, Equatable {
    /// pose_stats (S = 2·C).
    public var poseStats: [Float]
    /// Backbone output after the joint mean, (T × D).
    public var h: [Float]
    /// After signer-conditioned attention, (T × D).
    public var hAtt: [Float]
    /// BiGRU output (2·hidden).
    public var z: [Float]
    /// Raw logits (num_classes).
    public var logits: [Float]
}

/// A loaded SignSTGCN head (eval mode) running on OpenBLAS.
///
/// Weights are immutable after `init`; per-call scratch comes from a locked pool, so one model can be
/// shared by any number of threads. The cost of a window is dominated by one GEMM of T·J rows per block.
public final class STGCNModel: Sendable {
    public let manifest: STGCNManifest
    public let adjacency: ChainAdjacency
    let blocks: [PreparedBlock]
    let head: PreparedHead
    let graph: GraphTables
    private let pool = Locked<[Workspace]>([])

    public init(weights: URL, manifest manifestURL: URL) throws(STGCNError) {
        let manifest = try STGCNManifest.load(url: manifestURL)
        let file = try SafetensorsFile(url: weights)
        try validateTensors(file, manifest: manifest)
        self.manifest = manifest
        adjacency = ChainAdjacency(joints: manifest.numJoints, degreeEpsilon: Float(manifest.graph.degreeEpsilon))
        graph = GraphTables(adjacency)
        var blocks: [PreparedBlock] = []
        for (l, cout) in manifest.channels.enumerated() {
            let cin = l == 0 ? manifest.coordCount : manifest.channels[l - 1]
            blocks.append(try PreparedBlock(layer: l, cin: cin, cout: cout, dilation: manifest.dilations[l], file: file))
        }
        self.blocks = blocks
        head = try PreparedHead(manifest: manifest, file: file)
    }

    /// Loads `STEM.safetensors` and `STEM.manifest.json`.
    public static func load(stem: URL) throws(STGCNError) -> STGCNModel {
        let base = stem.path
        return try STGCNModel(weights: URL(fileURLWithPath: base + ".safetensors"),
                              manifest: URL(fileURLWithPath: base + ".manifest.json"))
    }

    /// Logits of one raw window, (T, J, C) row-major; NaN/±inf are treated as 0.
    /// The size must be `manifest.windowSize` (a programming error otherwise; see `forward`).
    public func logits(window: [Float]) -> [Float] {
        window.withUnsafeBufferPointer { logits(window: $0) }
    }

    /// Logits of one raw window read in place (a view of the heads' window buffer: no copy).
    public func logits(window: UnsafeBufferPointer<Float>) -> [Float] {
        precondition(window.count == manifest.windowSize,
                     "STGCNModel.logits(window:): expected \(manifest.windowSize) floats, got \(window.count)")
        return withWorkspace { ws in
            run(window: window.baseAddress!, ws)
            return ws.head.logits.array
        }
    }

    /// Logits of `count` consecutive raw windows, (count, T, J, C) → (count, num_classes).
    public func logits(windows: [Float], count: Int) -> [Float] {
        let size = manifest.windowSize
        precondition(count >= 0 && windows.count == count * size,
                     "STGCNModel.logits(windows:count:): expected \(count) × \(size) floats, got \(windows.count)")
        var out = [Float]()
        out.reserveCapacity(count * manifest.numClasses)
        withWorkspace { ws in
            windows.withUnsafeBufferPointer { buf in
                for b in 0..<count {
                    run(window: buf.baseAddress! + b * size, ws)
                    out.append(contentsOf: UnsafeBufferPointer(start: ws.head.logits.pointer, count: manifest.numClasses))
                }
            }
        }
        return out
    }

    /// One window with its intermediate features; a wrong-sized window is a typed error.
    public func forward(window: [Float]) throws(STGCNError) -> STGCNOutput {
        guard window.count == manifest.windowSize else {
            throw .input(what: "window (T=\(manifest.window), J=\(manifest.numJoints), C=\(manifest.coordCount))",
                         expected: manifest.windowSize, actual: window.count)
        }
        return withWorkspace { ws in
            window.withUnsafeBufferPointer { run(window: $0.baseAddress!, ws) }
            return STGCNOutput(poseStats: ws.head.stats.array, h: ws.features.array, hAtt: ws.head.hAtt.array,
                               z: ws.head.z.array, logits: ws.head.logits.array)
        }
    }

    // MARK: - Internals

    private func withWorkspace<R>(_ body: (Workspace) -> R) -> R {
        let ws = pool.withLock { $0.popLast() } ?? Workspace(self)
        defer { pool.withLock { $0.append(ws) } }
        return body(ws)
    }

    /// Full recompute of one window: backbone (one GEMM per block over all T·J rows), then the head.
    private func run(window raw: ConstFloatPtr, _ ws: Workspace) {
        let t = manifest.window, j = manifest.numJoints, c = manifest.coordCount
        prepareInput(raw, ws.input.pointer, frames: t, manifest: manifest)
        poseStats(window: ws.input.pointer, rows: t * j, channels: c, out: ws.head.stats.pointer)
        var input = UnsafePointer(ws.input.pointer), cin = c
        for (l, b) in blocks.enumerated() {
            let w3 = 3 * b.cout, d = b.dilation, rows = t * j, mw = b.mixedWidth
            let mixed = ws.mixed.pointer, p = ws.taps.pointer, frameP = j * w3
            for f in 0..<t {
                graphMix(graph, x: input + f * j * cin, xs: cin, out: mixed + f * j * mw, os: mw, width: cin)
            }
            // The first d frames' last tap and the last d frames' first tap only meet the zero padding.
            let edge = min(d, t / 2)
            gemm(m: edge * j, n: 2 * b.cout, k: mw, a: mixed, lda: mw, b: b.taps.pointer, ldb: w3, c: p, ldc: w3)
            gemm(m: (t - 2 * edge) * j, n: w3, k: mw, a: mixed + edge * j * mw, lda: mw, b: b.taps.pointer, ldb: w3,
                 c: p + edge * frameP, ldc: w3)
            gemm(m: edge * j, n: 2 * b.cout, k: mw, a: mixed + (t - edge) * j * mw, lda: mw, b: b.taps.pointer + b.cout,
                 ldb: w3, c: p + (t - edge) * frameP + b.cout, ldc: w3)
            if b.projected {
                gemm(m: rows, n: b.cout, k: cin, a: input, lda: cin, b: b.residual.pointer, ldb: b.cout,
                     c: ws.residual.pointer, ldc: b.cout)
            }
            let resBase: ConstFloatPtr = b.projected ? UnsafePointer(ws.residual.pointer) : input
            let resStride = b.projected ? b.cout : cin
            let zero = UnsafePointer(ws.zero.pointer)
            let last = l == blocks.count - 1
            let out = ws.activations[l % 2].pointer
            for f in 0..<t {
                let frame = BlockOutputFrame(
                    tap0: f - d >= 0 ? UnsafePointer(p + (f - d) * frameP) : zero, s0: f - d >= 0 ? w3 : 0,
                    tap1: UnsafePointer(p + f * frameP + b.cout), s1: w3,
                    tap2: f + d < t ? UnsafePointer(p + (f + d) * frameP + 2 * b.cout) : zero, s2: f + d < t ? w3 : 0,
                    residual: resBase + f * j * resStride, rs: resStride)
                if last {
                    blockOutputPooled(frame, joints: j, width: b.cout, bias: b.outBias.pointer, pooled: ws.features.pointer + f * b.cout)
                } else {
                    blockOutput(frame, joints: j, width: b.cout, bias: b.outBias.pointer, out: out + f * j * b.cout)
                }
            }
            input = UnsafePointer(out)
            cin = b.cout
        }
        head.run(h: ws.features.pointer, frames: t, scratch: ws.head)
    }
}

/// Scratch for one full-window forward pass. Used by one thread at a time (the pool hands it out).
final class Workspace: @unchecked Sendable {
    let input: FloatBuffer
    let mixed: FloatBuffer
    let taps: FloatBuffer
    let residual: FloatBuffer
    let activations: [FloatBuffer]
    let features: FloatBuffer
    let zero: FloatBuffer
    let head: HeadScratch

    init(_ model: STGCNModel) {
        let m = model.manifest
        let rows = m.window * m.numJoints
        let widest = m.channels.max() ?? 1
        let mixedWidth = model.blocks.map(\.mixedWidth).max() ?? 1
        input = FloatBuffer(count: rows * m.coordCount)
        mixed = FloatBuffer(count: rows * mixedWidth)
        taps = FloatBuffer(count: rows * 3 * widest)
        residual = FloatBuffer(count: rows * widest)
        activations = [FloatBuffer(count: rows * widest), FloatBuffer(count: rows * widest)]
        features = FloatBuffer(count: m.window * m.featureDim)
        zero = FloatBuffer(count: 3 * widest)
        head = HeadScratch(model.head, window: m.window)
    }
}
