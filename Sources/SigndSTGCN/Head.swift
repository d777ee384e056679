import Foundation

/// Scratch for everything after the backbone (one window at a time).
final class HeadScratch {
    let stats, statsNorm, signerHidden, signer: FloatBuffer
    let qkv, keyBias, kScale, kShift, vScale, vShift, scores, attended, hAtt: FloatBuffer
    let gates, hiddenGates, state, z, zNorm, hidden, logits: FloatBuffer

    init(_ w: PreparedHead, window t: Int) {
        stats = FloatBuffer(count: w.statsDim)
        statsNorm = FloatBuffer(count: w.statsDim)
        signerHidden = FloatBuffer(count: w.signerHidden)
        signer = FloatBuffer(count: w.embedding)
        qkv = FloatBuffer(count: t * 3 * w.dim)
        keyBias = FloatBuffer(count: w.dim)
        kScale = FloatBuffer(count: w.dim); kShift = FloatBuffer(count: w.dim)
        vScale = FloatBuffer(count: w.dim); vShift = FloatBuffer(count: w.dim)
        scores = FloatBuffer(count: t * t)
        attended = FloatBuffer(count: t * w.dim)
        hAtt = FloatBuffer(count: t * w.dim)
        gates = FloatBuffer(count: t * 3 * w.hidden)
        hiddenGates = FloatBuffer(count: 3 * w.hidden)
        state = FloatBuffer(count: w.hidden)
        z = FloatBuffer(count: 2 * w.hidden)
        zNorm = FloatBuffer(count: 2 * w.hidden)
        hidden = FloatBuffer(count: 2 * w.hidden)
        logits = FloatBuffer(count: w.classes)
    }
}

/// pose_stats (docs/model-format.md): per channel the mean over all T·J values of the zero-filled window,
/// then the population std + 1e-6. Accumulated in double and rounded once, like the Python twin; upstream's
/// float32 reduction is off that by up to 4.9e-6 (J = 75) and 3.8e-5 (J = 553) on real windows.
func poseStats(window x: ConstFloatPtr, rows: Int, channels c: Int, out: FloatPtr) {
    for ch in 0..<c {
        var sum = 0.0
        for r in 0..<rows { sum += Double(x[r * c + ch]) }
        let mean = sum / Double(rows)
        var sq = 0.0
        for r in 0..<rows { let d = Double(x[r * c + ch]) - mean; sq += d * d }
        out[ch] = Float(mean)
        out[c + ch] = Float((sq / Double(rows)).squareRoot() + 1e-6)
    }
}

extension PreparedHead {
    /// Signer encoder, attention, BiGRU and classifier on H (T × D); `s.stats` must hold pose_stats.
    /// Leaves H_att in `s.hAtt`, Z in `s.z` and the logits in `s.logits`.
    func run(h: ConstFloatPtr, frames t: Int, scratch s: HeadScratch) {
        let d = dim, dh = dim / heads, hd = hidden

        // Signer encoder: LN(S) → Linear → ReLU → Linear.
        layerNorm(s.stats.pointer, n: statsDim, weight: signerNormWeight.pointer, bias: signerNormBias.pointer,
                  out: s.statsNorm.pointer)
        linear(signerW1, signerB1, x: s.statsNorm.pointer, out: s.signerHidden.pointer, n: signerHidden, k: statsDim)
        for i in 0..<signerHidden { s.signerHidden[i] = max(s.signerHidden[i], 0) }
        linear(signerW2, signerB2, x: s.signerHidden.pointer, out: s.signer.pointer, n: embedding, k: signerHidden)

        // Q, K, V for all frames in one GEMM, then the signer conditioning.
        let qkvp = s.qkv.pointer, row = 3 * d
        gemmWT(m: t, n: 3 * d, k: d, a: h, lda: d, w: qkv.pointer, ldw: d, c: qkvp, ldc: row)
        if film {
            linear(kScaleW, kScaleB, x: s.signer.pointer, out: s.kScale.pointer, n: d, k: embedding)
            linear(kShiftW, kShiftB, x: s.signer.pointer, out: s.kShift.pointer, n: d, k: embedding)
            linear(vScaleW, vScaleB, x: s.signer.pointer, out: s.vScale.pointer, n: d, k: embedding)
            linear(vShiftW, vShiftB, x: s.signer.pointer, out: s.vShift.pointer, n: d, k: embedding)
            for i in 0..<d {
                s.kScale[i] = 1 + tanhExp(s.kScale[i])
                s.vScale[i] = 1 + tanhExp(s.vScale[i])
            }
            for f in 0..<t {
                let k = qkvp + f * row + d, v = qkvp + f * row + 2 * d
                for i in 0..<d {
                    k[i] = k[i] * s.kScale[i] + s.kShift[i]
                    v[i] = v[i] * s.vScale[i] + s.vShift[i]
                }
            }
        } else {
            // K = [H ‖ s]·Wkᵀ: the signer half is the same for every frame.
            linear(keySigner, nil, x: s.signer.pointer, out: s.keyBias.pointer, n: d, k: embedding)
            for f in 0..<t {
                let k = qkvp + f * row + d
                for i in 0..<d { k[i] += s.keyBias[i] }
            }
        }

        // Per head: softmax(Q_h K_hᵀ / √dh) V_h over all frames, no mask.
        let scale = 1 / Float(dh).squareRoot()
        let sc = s.scores.pointer
        for head in 0..<heads {
            let q = qkvp + head * dh, k = qkvp + d + head * dh, v = qkvp + 2 * d + head * dh
            gemmWT(m: t, n: t, k: dh, a: q, lda: row, w: k, ldw: row, c: sc, ldc: t)
            for r in 0..<t {
                let p = sc + r * t
                var top = -Float.infinity
                for c in 0..<t { p[c] *= scale; top = max(top, p[c]) }
                var sum: Float = 0
                for c in 0..<t { p[c] = expf(p[c] - top); sum += p[c] }
                for c in 0..<t { p[c] /= sum }
            }
            gemm(m: t, n: dh, k: t, a: sc, lda: t, b: v, ldb: row, c: s.attended.pointer + head * dh, ldc: d)
        }
        gemmWT(m: t, n: d, k: d, a: s.attended.pointer, lda: d, w: out.pointer, ldw: d, c: s.hAtt.pointer, ldc: d)

        // Forward GRU over all frames (gate order r, z, n; b_hn inside the r product).
        let g = s.gates.pointer, gh = s.hiddenGates.pointer, state = s.state.pointer
        gemmWT(m: t, n: 3 * hd, k: d, a: s.hAtt.pointer, lda: d, w: gruInF.pointer, ldw: d, c: g, ldc: 3 * hd)
        state.update(repeating: 0, count: hd)
        for f in 0..<t {
            let gi = g + f * 3 * hd
            for i in 0..<(3 * hd) { gi[i] += gruInBiasF[i] }
            linear(gruHidF, gruHidBiasF, x: state, out: gh, n: 3 * hd, k: hd)
            for i in 0..<hd {
                let r = sigmoid(gi[i] + gh[i])
                let zg = sigmoid(gi[hd + i] + gh[hd + i])
                let n = tanhExp(gi[2 * hd + i] + r * gh[2 * hd + i])
                state[i] = (1 - zg) * n + zg * state[i]
            }
        }
        s.z.pointer.update(from: state, count: hd)

        // Backward GRU: out[:, -1] holds its state after one step (the last frame) from h0 = 0.
        let last = s.hAtt.pointer + (t - 1) * d
        linear(gruInB, gruInBiasB, x: last, out: g, n: 3 * hd, k: d)
        for i in 0..<hd {
            let r = sigmoid(g[i] + gruHidBiasB[i])
            let zg = sigmoid(g[hd + i] + gruHidBiasB[hd + i])
            let n = tanhExp(g[2 * hd + i] + r * gruHidBiasB[2 * hd + i])
            s.z[hd + i] = (1 - zg) * n
        }

        // Classifier: LN → Linear → GELU → Linear.
        layerNorm(s.z.pointer, n: 2 * hd, weight: headNormWeight.pointer, bias: headNormBias.pointer, out: s.zNorm.pointer)
        linear(headW1, headB1, x: s.zNorm.pointer, out: s.hidden.pointer, n: 2 * hd, k: 2 * hd)
        for i in 0..<(2 * hd) { s.hidden[i] = gelu(s.hidden[i]) }
        linear(headW2, headB2, x: s.hidden.pointer, out: s.logits.pointer, n: classes, k: 2 * hd)
    }
}
