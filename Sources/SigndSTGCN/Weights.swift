import COpenBLAS
import Foundation

/// The state_dict keys and shapes a manifest implies (docs/signstgcn.md §6), in a stable order.
struct ExpectedTensors {
    /// Hidden width of the signer encoder MLP (fixed in SignSTGCN's SignerEncoder).
    static let signerHidden = 128

    let shapes: [(name: String, shape: [Int])]

    init(_ m: STGCNManifest) {
        var list: [(String, [Int])] = []
        let c = m.coordCount, d = m.featureDim, e = m.signerEmbedding, h = m.gruHidden
        for (l, cout) in m.channels.enumerated() {
            let cin = l == 0 ? c : m.channels[l - 1]
            let p = "backbone.layers.\(l)."
            list.append((p + "gc.lin.weight", [cout, cin]))
            list.append((p + "gc.lin.bias", [cout]))
            list.append((p + "temporal.weight", [cout, cout, m.kernel, 1]))
            for b in ["weight", "bias", "running_mean", "running_var"] { list.append((p + "bn." + b, [cout])) }
            if cin != cout {
                list.append((p + "res_proj.weight", [cout, cin]))
                list.append((p + "res_proj.bias", [cout]))
            }
        }
        let s = 2 * c
        list += [
            ("signer_enc.net.0.weight", [s]), ("signer_enc.net.0.bias", [s]),
            ("signer_enc.net.1.weight", [Self.signerHidden, s]), ("signer_enc.net.1.bias", [Self.signerHidden]),
            ("signer_enc.net.3.weight", [e, Self.signerHidden]), ("signer_enc.net.3.bias", [e]),
            ("attn.q_proj.weight", [d, d]),
            ("attn.k_proj.weight", m.attention == .additive ? [d, d + e] : [d, d]),
            ("attn.v_proj.weight", [d, d]),
            ("attn.out_proj.weight", [d, d]),
        ]
        if m.attention == .film {
            for net in ["attn.k_scale_net.0", "attn.k_shift_net", "attn.v_scale_net.0", "attn.v_shift_net"] {
                list.append((net + ".weight", [d, e]))
                list.append((net + ".bias", [d]))
            }
        }
        for suffix in ["l0", "l0_reverse"] {
            list.append(("temporal.gru.weight_ih_" + suffix, [3 * h, d]))
            list.append(("temporal.gru.weight_hh_" + suffix, [3 * h, h]))
            list.append(("temporal.gru.bias_ih_" + suffix, [3 * h]))
            list.append(("temporal.gru.bias_hh_" + suffix, [3 * h]))
        }
        list += [
            ("cls_head.net.0.weight", [2 * h]), ("cls_head.net.0.bias", [2 * h]),
            ("cls_head.net.1.weight", [2 * h, 2 * h]), ("cls_head.net.1.bias", [2 * h]),
            ("cls_head.net.4.weight", [m.numClasses, 2 * h]), ("cls_head.net.4.bias", [m.numClasses]),
        ]
        shapes = list
    }

    /// Keys present in checkpoints but not used at inference.
    static func isIgnored(_ name: String) -> Bool {
        name.hasSuffix(".num_batches_tracked") || name.hasPrefix("signer_head.")
    }
}

/// Cross-checks the manifest against the file, then checks every key and shape.
func validateTensors(_ file: SafetensorsFile, manifest m: STGCNManifest) throws(STGCNError) {
    let t = file.tensors
    // Targeted checks first: they say which manifest field is wrong.
    if let w = t["backbone.layers.0.gc.lin.weight"], w.shape.count == 2, w.shape[1] != m.coordCount {
        throw .mismatch(field: "coords", tensor: w.name,
                        problem: "manifest has C = \(m.coordCount) channels, weights take \(w.shape[1])")
    }
    for (l, cout) in m.channels.enumerated() {
        if let w = t["backbone.layers.\(l).gc.lin.weight"], w.shape.count == 2, w.shape[0] != cout {
            throw .mismatch(field: "channels[\(l)]", tensor: w.name, problem: "manifest says \(cout), weights have \(w.shape[0])")
        }
    }
    if t["backbone.layers.\(m.channels.count).gc.lin.weight"] != nil {
        throw .mismatch(field: "channels", tensor: "backbone.layers.\(m.channels.count).gc.lin.weight",
                        problem: "manifest lists \(m.channels.count) blocks but the weights have more")
    }
    if let w = t["signer_enc.net.0.weight"], w.shape.count == 1, w.shape[0] != m.poseStats.dim {
        throw .mismatch(field: "pose_stats.dim", tensor: w.name,
                        problem: "manifest has S = \(m.poseStats.dim), weights have S = \(w.shape[0])")
    }
    if let w = t["signer_enc.net.3.weight"], w.shape.count == 2, w.shape[0] != m.signerEmbedding {
        throw .mismatch(field: "signer_embedding", tensor: w.name, problem: "manifest says \(m.signerEmbedding), weights have \(w.shape[0])")
    }
    if let w = t["temporal.gru.weight_hh_l0"], w.shape.count == 2, w.shape[1] != m.gruHidden {
        throw .mismatch(field: "gru_hidden", tensor: w.name, problem: "manifest says \(m.gruHidden), weights have \(w.shape[1])")
    }
    if let w = t["cls_head.net.4.weight"], w.shape.count == 2, w.shape[0] != m.numClasses {
        throw .mismatch(field: "num_classes", tensor: w.name,
                        problem: "manifest says \(m.numClasses) classes, the classifier has \(w.shape[0]) outputs")
    }
    let hasFiLM = t.keys.contains { $0.hasPrefix("attn.k_scale_net.") }
    if hasFiLM, m.attention == .additive {
        throw .mismatch(field: "attention", tensor: "attn.k_scale_net.0.weight",
                        problem: "manifest says additive but the weights hold FiLM scale/shift nets")
    }
    if !hasFiLM, m.attention == .film {
        throw .mismatch(field: "attention", tensor: "attn.k_scale_net.0.weight",
                        problem: "manifest says film but the weights have no FiLM scale/shift nets")
    }

    let expected = ExpectedTensors(m)
    var wanted = Set<String>()
    for (name, shape) in expected.shapes {
        wanted.insert(name)
        guard let info = t[name] else { throw .missingTensor(file: file.path, tensor: name) }
        guard info.dtype == .f32 else {
            throw .wrongDtype(file: file.path, tensor: name, dtype: info.dtype.rawValue, expected: "F32")
        }
        guard info.shape == shape else { throw .wrongShape(file: file.path, tensor: name, expected: shape, actual: info.shape) }
        // Checked at load, not per window: one NaN weight makes every output NaN, silently.
        let bad = try file.floats(name).reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        guard bad == 0 else { throw .nonFinite(file: file.path, tensor: name, count: bad) }
    }
    for name in t.keys.sorted() where !wanted.contains(name) {
        guard ExpectedTensors.isIgnored(name), let info = t[name] else { throw .unexpectedTensor(file: file.path, tensor: name) }
        // Ignored, but still only the dtypes PyTorch writes for them: I64 counters, F32 signer head.
        let allowed: SafetensorsDType = name.hasSuffix(".num_batches_tracked") ? .i64 : .f32
        guard info.dtype == allowed else {
            throw .wrongDtype(file: file.path, tensor: name, dtype: info.dtype.rawValue, expected: allowed.rawValue)
        }
    }
}

/// One ST-GCN block prepared for inference.
///
/// The graph step and the per-joint linears commute (A mixes joints, the weights mix channels), so
/// gc.lin, the three temporal taps and the BN scale fold into one matrix applied to the graph-mixed
/// block input: P_k = (A·x)·M_kᵀ + rowsum(A) ⊗ (s ⊙ W_k·b_lin), M_k = diag(s)·W_k·W_lin. The graph step
/// then runs on Cin channels instead of 3·Cout, and the bias rides in the GEMM as an extra input column
/// holding A's row sum. About half the FLOPs of the literal order.
struct PreparedBlock: Sendable {
    let cin: Int
    let cout: Int
    let dilation: Int
    let projected: Bool
    /// ((Cin + 1) × 3·Cout) row-major: rows 0..<Cin are [M_0 | M_1 | M_2]ᵀ, row Cin the tap biases.
    let taps: FloatBuffer
    /// (Cin × Cout) row-major: the residual projection, when Cin ≠ Cout.
    let residual: FloatBuffer
    /// (Cout): BN shift plus the residual projection's bias.
    let outBias: FloatBuffer

    /// Width of the graph-mixed input rows (Cin channels plus the row-sum column).
    var mixedWidth: Int { cin + 1 }

    init(layer l: Int, cin: Int, cout: Int, dilation: Int, file: SafetensorsFile) throws(STGCNError) {
        self.cin = cin
        self.cout = cout
        self.dilation = dilation
        projected = cin != cout
        let p = "backbone.layers.\(l)."
        let lin = try file.floats(p + "gc.lin.weight").map(Double.init)        // (cout, cin)
        let linBias = try file.floats(p + "gc.lin.bias").map(Double.init)
        let temporal = try file.floats(p + "temporal.weight").map(Double.init) // (cout, cout, 3, 1)
        let gamma = try file.floats(p + "bn.weight"), beta = try file.floats(p + "bn.bias")
        let mean = try file.floats(p + "bn.running_mean"), variance = try file.floats(p + "bn.running_var")
        let scale = (0..<cout).map { Double(gamma[$0]) / (Double(variance[$0]) + 1e-5).squareRoot() }
        var shift = (0..<cout).map { Double(beta[$0]) - Double(mean[$0]) * scale[$0] }

        let w3 = 3 * cout
        let taps = FloatBuffer(count: (cin + 1) * w3)
        for k in 0..<3 {
            // W_k (cout × cout) with rows scaled by the BN scale, in double.
            var wk = [Double](repeating: 0, count: cout * cout)
            for o in 0..<cout {
                for m in 0..<cout { wk[o * cout + m] = temporal[(o * cout + m) * 3 + k] * scale[o] }
            }
            // M_k = W_k · W_lin  (cout × cin)
            var mk = [Double](repeating: 0, count: cout * cin)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(cout), Int32(cin), Int32(cout),
                        1, wk, Int32(cout), lin, Int32(cin), 0, &mk, Int32(cin))
            for c in 0..<cin {
                for o in 0..<cout { taps[c * w3 + k * cout + o] = Float(mk[o * cin + c]) }
            }
            for o in 0..<cout {
                var acc = 0.0
                for m in 0..<cout { acc += wk[o * cout + m] * linBias[m] }
                taps[cin * w3 + k * cout + o] = Float(acc)
            }
        }
        let residual = FloatBuffer(count: projected ? cin * cout : 0)
        if projected {
            let res = try file.floats(p + "res_proj.weight")  // (cout, cin)
            let resBias = try file.floats(p + "res_proj.bias")
            for c in 0..<cin {
                for o in 0..<cout { residual[c * cout + o] = res[o * cin + c] }
            }
            for o in 0..<cout { shift[o] += Double(resBias[o]) }
        }
        self.taps = taps
        self.residual = residual
        outBias = FloatBuffer(shift.map { Float($0) })
    }
}

/// Everything after the backbone, in PyTorch's (out, in) layouts.
struct PreparedHead: Sendable {
    let statsDim: Int
    let signerHidden: Int
    let embedding: Int
    let dim: Int
    let heads: Int
    let hidden: Int
    let classes: Int
    let film: Bool

    let signerNormWeight, signerNormBias, signerW1, signerB1, signerW2, signerB2: FloatBuffer
    /// [Wq; Wk (feature part); Wv] stacked: (3D × D).
    let qkv: FloatBuffer
    /// Additive: Wk's signer columns (D × E). FiLM: unused (count 0).
    let keySigner: FloatBuffer
    /// FiLM scale/shift nets (D × E) and biases (D).
    let kScaleW, kScaleB, kShiftW, kShiftB, vScaleW, vScaleB, vShiftW, vShiftB: FloatBuffer
    let out: FloatBuffer
    let gruInF, gruHidF, gruInBiasF, gruHidBiasF: FloatBuffer
    let gruInB, gruInBiasB, gruHidBiasB: FloatBuffer
    let headNormWeight, headNormBias, headW1, headB1, headW2, headB2: FloatBuffer

    init(manifest m: STGCNManifest, file: SafetensorsFile) throws(STGCNError) {
        statsDim = 2 * m.coordCount
        signerHidden = ExpectedTensors.signerHidden
        embedding = m.signerEmbedding
        dim = m.featureDim
        heads = m.heads
        hidden = m.gruHidden
        classes = m.numClasses
        film = m.attention == .film
        func load(_ name: String) throws(STGCNError) -> FloatBuffer { FloatBuffer(try file.floats(name)) }
        signerNormWeight = try load("signer_enc.net.0.weight")
        signerNormBias = try load("signer_enc.net.0.bias")
        signerW1 = try load("signer_enc.net.1.weight")
        signerB1 = try load("signer_enc.net.1.bias")
        signerW2 = try load("signer_enc.net.3.weight")
        signerB2 = try load("signer_enc.net.3.bias")

        let d = dim, e = embedding
        let q = try file.floats("attn.q_proj.weight")
        let k = try file.floats("attn.k_proj.weight")
        let v = try file.floats("attn.v_proj.weight")
        let kWidth = film ? d : d + e
        var stacked = q
        for o in 0..<d { stacked += k[o * kWidth ..< o * kWidth + d] }
        stacked += v
        qkv = FloatBuffer(stacked)
        if film {
            keySigner = FloatBuffer(count: 0)
            kScaleW = try load("attn.k_scale_net.0.weight"); kScaleB = try load("attn.k_scale_net.0.bias")
            kShiftW = try load("attn.k_shift_net.weight"); kShiftB = try load("attn.k_shift_net.bias")
            vScaleW = try load("attn.v_scale_net.0.weight"); vScaleB = try load("attn.v_scale_net.0.bias")
            vShiftW = try load("attn.v_shift_net.weight"); vShiftB = try load("attn.v_shift_net.bias")
        } else {
            var ks = [Float]()
            ks.reserveCapacity(d * e)
            for o in 0..<d { ks += k[o * kWidth + d ..< (o + 1) * kWidth] }
            keySigner = FloatBuffer(ks)
            let none = FloatBuffer(count: 0)
            kScaleW = none; kScaleB = none; kShiftW = none; kShiftB = none
            vScaleW = none; vScaleB = none; vShiftW = none; vShiftB = none
        }
        out = try load("attn.out_proj.weight")
        gruInF = try load("temporal.gru.weight_ih_l0")
        gruHidF = try load("temporal.gru.weight_hh_l0")
        gruInBiasF = try load("temporal.gru.bias_ih_l0")
        gruHidBiasF = try load("temporal.gru.bias_hh_l0")
        // The backward direction runs one step from h0 = 0, so its W_hh never contributes.
        gruInB = try load("temporal.gru.weight_ih_l0_reverse")
        gruInBiasB = try load("temporal.gru.bias_ih_l0_reverse")
        gruHidBiasB = try load("temporal.gru.bias_hh_l0_reverse")
        headNormWeight = try load("cls_head.net.0.weight")
        headNormBias = try load("cls_head.net.0.bias")
        headW1 = try load("cls_head.net.1.weight")
        headB1 = try load("cls_head.net.1.bias")
        headW2 = try load("cls_head.net.4.weight")
        headB2 = try load("cls_head.net.4.bias")
    }
}
