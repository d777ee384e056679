import COpenBLAS
import Foundation

typealias FloatPtr = UnsafeMutablePointer<Float>
typealias ConstFloatPtr = UnsafePointer<Float>

/// C (m×n) = A (m×k) · B (k×n) + beta·C, row-major, B not transposed.
@inline(__always)
func gemm(m: Int, n: Int, k: Int, a: ConstFloatPtr, lda: Int, b: ConstFloatPtr, ldb: Int,
          c: FloatPtr, ldc: Int, beta: Float = 0) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// C (m×n) = A (m×k) · Wᵀ + beta·C with W in PyTorch's (n × k) layout.
@inline(__always)
func gemmWT(m: Int, n: Int, k: Int, a: ConstFloatPtr, lda: Int, w: ConstFloatPtr, ldw: Int,
            c: FloatPtr, ldc: Int, beta: Float = 0) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                1, a, Int32(lda), w, Int32(ldw), beta, c, Int32(ldc))
}

/// y (n) = W (n × k) · x + b.
@inline(__always)
func linear(_ w: FloatBuffer, _ b: FloatBuffer?, x: ConstFloatPtr, out: FloatPtr, n: Int, k: Int) {
    if let b { out.update(from: b.pointer, count: n) } else { out.update(repeating: 0, count: n) }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), 1, w.pointer, Int32(k), x, 1, 1, out, 1)
}

/// The chain graph step for one frame, on the block input: M[i,:] = A[i,i−1]·X[i−1,:] + A[i,i]·X[i,:]
/// + A[i,i+1]·X[i+1,:] over `width` channels, then M[i,width] = Σ_j A[i,j] (the column that carries the
/// folded bias through the GEMM).
func graphMix(_ g: GraphTables, x: ConstFloatPtr, xs: Int, out: FloatPtr, os: Int, width: Int) {
    let joints = g.joints
    for i in 0..<joints {
        let lo = g.lower[i], di = g.diagonal[i], up = g.upper[i]
        let row = x + i * xs, dst = out + i * os
        if joints == 1 {
            for c in 0..<width { dst[c] = di * row[c] }
        } else if i == 0 {
            let next = row + xs
            for c in 0..<width { dst[c] = di * row[c] + up * next[c] }
        } else if i == joints - 1 {
            let prev = row - xs
            for c in 0..<width { dst[c] = lo * prev[c] + di * row[c] }
        } else {
            let prev = row - xs, next = row + xs
            for c in 0..<width { dst[c] = lo * prev[c] + di * row[c] + up * next[c] }
        }
        dst[width] = g.rowSum[i]
    }
}

/// The adjacency as raw pointers for the hot loop.
final class GraphTables: @unchecked Sendable {
    let joints: Int
    let lower, diagonal, upper, rowSum: FloatBuffer

    init(_ a: ChainAdjacency) {
        joints = a.joints
        lower = FloatBuffer(a.lower)
        diagonal = FloatBuffer(a.diagonal)
        upper = FloatBuffer(a.upper)
        rowSum = FloatBuffer(a.rowSum)
    }
}

/// One output frame of a block: v = (P_0[t−d] + P_1[t] + P_2[t+d]) + R[t] + bias, then ReLU.
/// Taps outside the window point at a zero row with stride 0 (the conv's zero padding).
struct BlockOutputFrame {
    var tap0: ConstFloatPtr, s0: Int
    var tap1: ConstFloatPtr, s1: Int
    var tap2: ConstFloatPtr, s2: Int
    var residual: ConstFloatPtr, rs: Int
}

@inline(__always)
func blockOutput(_ f: BlockOutputFrame, joints: Int, width: Int, bias: ConstFloatPtr, out: FloatPtr) {
    for j in 0..<joints {
        let a = f.tap0 + j * f.s0, b = f.tap1 + j * f.s1, c = f.tap2 + j * f.s2, r = f.residual + j * f.rs
        let o = out + j * width
        for k in 0..<width { o[k] = max(((a[k] + b[k]) + c[k]) + r[k] + bias[k], 0) }
    }
}

/// Same as `blockOutput`, then the mean over joints into `pooled` (width), for the last block.
@inline(__always)
func blockOutputPooled(_ f: BlockOutputFrame, joints: Int, width: Int, bias: ConstFloatPtr, pooled: FloatPtr) {
    pooled.update(repeating: 0, count: width)
    for j in 0..<joints {
        let a = f.tap0 + j * f.s0, b = f.tap1 + j * f.s1, c = f.tap2 + j * f.s2, r = f.residual + j * f.rs
        for k in 0..<width { pooled[k] += max(((a[k] + b[k]) + c[k]) + r[k] + bias[k], 0) }
    }
    let inv = Float(joints)
    for k in 0..<width { pooled[k] /= inv }
}

/// LayerNorm over n values (eps 1e-5, biased variance), statistics in double.
@inline(__always)
func layerNorm(_ x: ConstFloatPtr, n: Int, weight: ConstFloatPtr, bias: ConstFloatPtr, out: FloatPtr) {
    var mean = 0.0
    for i in 0..<n { mean += Double(x[i]) }
    mean /= Double(n)
    var variance = 0.0
    for i in 0..<n { let d = Double(x[i]) - mean; variance += d * d }
    variance /= Double(n)
    let inv = 1 / (variance + 1e-5).squareRoot()
    for i in 0..<n { out[i] = Float((Double(x[i]) - mean) * inv) * weight[i] + bias[i] }
}

@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// tanh through expf (about twice as fast as glibc's tanhf; absolute error ≤ ~1e-7, saturates cleanly
/// to ±1 since exp overflows to inf or underflows to 0).
@inline(__always) func tanhExp(_ x: Float) -> Float { 1 - 2 / (expf(2 * x) + 1) }

/// Exact (erf) GELU, as torch.nn.GELU() default.
@inline(__always) func gelu(_ x: Float) -> Float { 0.5 * x * (1 + erff(x * 0.70710678118654752)) }

/// NaN and ±inf become 0 (numpy nan_to_num as SignSTGCN's data pipeline leaves missing joints).
@inline(__always)
func zeroNonFinite(_ src: ConstFloatPtr, _ dst: FloatPtr, count: Int) {
    for i in 0..<count { let v = src[i]; dst[i] = v.isFinite ? v : 0 }
}

/// The head's input rule for `frames` consecutive raw (J, C) frames, `src` → `dst`: NaN and ±inf become 0, with
/// `normalize_joints` every present x, y is expressed in the body's frame, with `hand_local` each hand's joints
/// in the hand's own frame, and the manifest's `zeroed_joints` become 0 last (so pose_stats never see them
/// either). Same float operations as Python's `HeadInput.apply`.
@inline(__always)
func prepareInput(_ src: ConstFloatPtr, _ dst: FloatPtr, frames: Int, manifest m: STGCNManifest) {
    let frameSize = m.numJoints * m.coordCount
    zeroNonFinite(src, dst, count: frames * frameSize)
    if let pair = m.normalizeJoints {
        let c = m.coordCount
        for f in 0..<frames {
            let raw = src + f * frameSize, frame = dst + f * frameSize
            let ax = raw[pair[0] * c], ay = raw[pair[0] * c + 1], bx = raw[pair[1] * c], by = raw[pair[1] * c + 1]
            let cx = (ax + bx) * 0.5, cy = (ay + by) * 0.5
            let dx = bx - ax, dy = by - ay
            let dist = (dx * dx + dy * dy).squareRoot()
            guard cx.isFinite, cy.isFinite, dist.isFinite, dist > 1e-6 else {
                frame.update(repeating: 0, count: frameSize)   // no body frame: the whole frame counts as missing
                continue
            }
            // Only values that were present: missing ones stay 0, as NaN → 0 comes last in Python.
            for j in 0..<m.numJoints {
                let v = raw + j * c, o = frame + j * c
                if v[0].isFinite { o[0] = (v[0] - cx) / dist }
                if v[1].isFinite { o[1] = (v[1] - cy) / dist }
            }
        }
    }
    if let hands = m.handLocal { applyHandLocal(src, dst, frames: frames, hands: hands, manifest: m) }
    // The normalising and hand joints are never zeroed (the manifest refuses it), so zeroing last gives the same
    // values.
    guard let zeroed = m.zeroedJoints, !zeroed.isEmpty else { return }
    for f in 0..<frames {
        let frame = dst + f * frameSize
        for j in zeroed { (frame + j * m.coordCount).update(repeating: 0, count: m.coordCount) }
    }
}

/// `hand_local` for `prepareInput`: from the raw frame (so a frame without a body frame still shows the hand's
/// shape), each present joint of a hand becomes (value − origin) / |scale − origin|; without the origin or the
/// scale joint (or with them closer than 1e-6) the hand's joints are 0, as missing.
@inline(__always)
private func applyHandLocal(_ src: ConstFloatPtr, _ dst: FloatPtr, frames: Int, hands: [STGCNManifest.HandFrame],
                            manifest m: STGCNManifest) {
    let c = m.coordCount, frameSize = m.numJoints * c
    for f in 0..<frames {
        let raw = src + f * frameSize, frame = dst + f * frameSize
        for hand in hands {
            let ox = raw[hand.origin * c], oy = raw[hand.origin * c + 1]
            let dx = raw[hand.scale * c] - ox, dy = raw[hand.scale * c + 1] - oy
            let dist = (dx * dx + dy * dy).squareRoot()
            let present = ox.isFinite && oy.isFinite && dist.isFinite && dist > 1e-6
            for j in hand.joints {
                let v = raw + j * c, o = frame + j * c
                o[0] = present && v[0].isFinite ? (v[0] - ox) / dist : 0
                o[1] = present && v[1].isFinite ? (v[1] - oy) / dist : 0
            }
        }
    }
}

/// OpenBLAS's build configuration and the kernel family it picked for this CPU (for benchmark reports).
public func openBLASDescription() -> String {
    let config = openblas_get_config().map { String(cString: $0) } ?? "?"
    let core = openblas_get_corename().map { String(cString: $0) } ?? "?"
    return "\(config); core \(core); threads \(openblas_get_num_threads())"
}
