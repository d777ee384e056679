import Foundation

/// Frame-by-frame inference: push one frame (J·C raw floats) at a time; every full window (stride from
/// the manifest, first at frame T) returns its logits.
///
/// Reuse. A block with dilation d pads d zero frames at both ends of the *window*, so its output at
/// window position t is independent of where the window sits ("clean") only if t−d, t, t+d are clean
/// inputs. Raw frames are all clean; block ℓ's clean outputs are the clean inputs shrunk by d at each
/// end (T = 25, d = 1, 2, 3: positions 1…23, 3…21, 6…18). Per block the stream caches, by absolute
/// frame, what each clean input contributes — its three temporal-tap products (graph step, gc.lin,
/// conv tap and BN scale folded, see `PreparedBlock`) and its residual — and, after the last block, the
/// pooled H of clean frames. A new window then computes only the edge frames and the one frame that
/// just became clean at each block: with T = 25 that is 1 + 3 + 7 frames through blocks 0, 1, 2
/// instead of 25 + 25 + 25, and 13 of the 25 rows of H.
///
/// With `reuse: false` the same per-frame arithmetic runs on every frame of every window; the two
/// modes give bit-identical logits (same BLAS calls on the same inputs, same summation order).
///
/// Not thread-safe: one stream per thread (the model it reads can be shared).
public final class STGCNStream {
    public let model: STGCNModel
    public let reuse: Bool
    /// Frames pushed since creation or `reset()`.
    public private(set) var framesSeen = 0

    private let window: Int
    private let joints: Int
    private let coords: Int
    private let ring: FloatBuffer
    private var blocks: [BlockState]
    private let hCache: FloatBuffer
    private var hTags: [Int]
    private let features: FloatBuffer
    private let windowCopy: FloatBuffer
    private let zero: FloatBuffer
    private let head: HeadScratch
    private var needOutLast: [Bool]
    /// Frames pushed through each block, and H rows computed, in the last window (tests check reuse).
    private(set) var lastWindowWork: (blocks: [Int], pooled: Int) = ([], 0)

    public init(model: STGCNModel, reuse: Bool = true) {
        self.model = model
        self.reuse = reuse
        let m = model.manifest
        window = m.window
        joints = m.numJoints
        coords = m.coordCount
        ring = FloatBuffer(count: m.windowSize)
        var lo = 0, hi = m.window - 1
        blocks = model.blocks.map { b in
            let state = BlockState(b, window: m.window, joints: m.numJoints, cleanIn: lo...max(lo, hi), emptyClean: lo > hi)
            lo += b.dilation
            hi -= b.dilation
            return state
        }
        hCache = FloatBuffer(count: m.window * m.featureDim)
        hTags = Array(repeating: -1, count: m.window)
        features = FloatBuffer(count: m.window * m.featureDim)
        windowCopy = FloatBuffer(count: m.windowSize)
        zero = FloatBuffer(count: 3 * (m.channels.max() ?? 1))
        head = HeadScratch(model.head, window: m.window)
        needOutLast = Array(repeating: false, count: m.window)
    }

    /// Forgets all frames (e.g. at a scene cut or when the person leaves).
    public func reset() {
        framesSeen = 0
        hTags = Array(repeating: -1, count: window)
        for i in blocks.indices { blocks[i].invalidate() }
    }

    /// Adds one raw frame ((J, C) row-major; NaN/±inf become 0). Returns the logits of the window that
    /// ends with this frame, or nil before the first full window and between strides.
    public func push(frame: [Float]) -> [Float]? {
        frame.withUnsafeBufferPointer { push(frame: $0) }
    }

    /// `push(frame:)` reading the frame in place: the heads pass the newest row of their window buffer.
    /// The stream keeps only that frame's *prepared* form (NaN → 0, zeroed and normalised joints), which
    /// its cached block work is computed from; the raw window stays in the caller's buffer.
    public func push(frame: UnsafeBufferPointer<Float>) -> [Float]? {
        precondition(frame.count == joints * coords,
                     "STGCNStream.push(frame:): expected \(joints * coords) floats, got \(frame.count)")
        let slot = framesSeen % window
        prepareInput(frame.baseAddress!, ring.pointer + slot * joints * coords, frames: 1, manifest: model.manifest)
        framesSeen += 1
        guard framesSeen >= window, (framesSeen - window) % model.manifest.stride == 0 else { return nil }
        runWindow(start: framesSeen - window)
        return head.logits.array
    }

    /// `push(frame:)` with a typed error instead of a precondition for a wrong-sized frame.
    public func tryPush(frame: [Float]) throws(STGCNError) -> [Float]? {
        guard frame.count == joints * coords else {
            throw .input(what: "frame \(framesSeen) (J=\(joints), C=\(coords))", expected: joints * coords, actual: frame.count)
        }
        return push(frame: frame)
    }

    // MARK: - One window

    private func runWindow(start s: Int) {
        let t = window, last = blocks.count - 1
        let dim = model.manifest.featureDim

        // Top-down: which outputs each block must produce and which inputs it must (re)compute.
        for f in 0..<t {
            let cached = reuse && blocks[last].isCleanOut(f) && hTags[(s + f) % t] == s + f
            needOutLast[f] = !cached
        }
        var needOut = needOutLast
        for l in stride(from: last, through: 0, by: -1) {
            blocks[l].plan(needOut: needOut, start: s, reuse: reuse)
            needOut = blocks[l].fresh
        }

        // Bottom-up: fresh inputs → tap products and residuals → the outputs the next block needs.
        for l in 0...last {
            let b = model.blocks[l]
            let inBuffer = l == 0 ? ring : blocks[l].input
            let frameIn = blocks[l].frameIn
            let input: (Int) -> ConstFloatPtr = l == 0
                ? { f in UnsafePointer(inBuffer.pointer + ((s + f) % t) * frameIn) }
                : { f in UnsafePointer(inBuffer.pointer + f * frameIn) }
            blocks[l].computeFresh(b, graph: model.graph, start: s, reuse: reuse, input: input)
            let d = b.dilation, w3 = 3 * b.cout
            let zeroPtr = UnsafePointer(zero.pointer)
            for f in 0..<t where blocks[l].needOut[f] {
                let frame = BlockOutputFrame(
                    tap0: f - d >= 0 ? blocks[l].taps[f - d]! : zeroPtr, s0: f - d >= 0 ? w3 : 0,
                    tap1: blocks[l].taps[f]! + b.cout, s1: w3,
                    tap2: f + d < t ? blocks[l].taps[f + d]! + 2 * b.cout : zeroPtr, s2: f + d < t ? w3 : 0,
                    residual: blocks[l].residuals[f]!, rs: b.cout)
                if l == last {
                    let pooled = features.pointer + f * dim
                    blockOutputPooled(frame, joints: joints, width: b.cout, bias: b.outBias.pointer, pooled: pooled)
                    if reuse, blocks[last].isCleanOut(f) {
                        let slot = (s + f) % t
                        (hCache.pointer + slot * dim).update(from: pooled, count: dim)
                        hTags[slot] = s + f
                    }
                } else {
                    blockOutput(frame, joints: joints, width: b.cout, bias: b.outBias.pointer,
                                out: blocks[l + 1].input.pointer + f * blocks[l + 1].frameIn)
                }
            }
        }
        lastWindowWork = (blocks.map { $0.fresh.filter { $0 }.count }, needOutLast.filter { $0 }.count)
        for f in 0..<t where !needOutLast[f] {
            (features.pointer + f * dim).update(from: hCache.pointer + ((s + f) % t) * dim, count: dim)
        }

        // pose_stats over the window in time order, exactly as the full path.
        let frameSize = joints * coords
        for f in 0..<t {
            (windowCopy.pointer + f * frameSize).update(from: ring.pointer + ((s + f) % t) * frameSize, count: frameSize)
        }
        poseStats(window: windowCopy.pointer, rows: t * joints, channels: coords, out: head.stats.pointer)
        model.head.run(h: features.pointer, frames: t, scratch: head)
    }
}

/// Per-block stream state: the cache of clean inputs' contributions, this window's scratch for
/// window-specific (edge) frames, and the block's input frames computed this window.
struct BlockState {
    let window: Int
    let joints: Int
    let cout: Int
    let dilation: Int
    let frameIn: Int
    /// Window positions whose input (resp. output) does not depend on the window's position.
    let cleanIn: ClosedRange<Int>
    let cleanOut: ClosedRange<Int>
    let hasCleanIn: Bool
    let hasCleanOut: Bool
    let cleanCount: Int
    /// T slots of J×3·Cout tap products and J×Cout residuals: the first |cleanIn| cache clean inputs by
    /// absolute frame (mod |cleanIn|: the live ones are always consecutive), the rest hold this window's
    /// edge frames.
    let tapStore: FloatBuffer
    let residualStore: FloatBuffer
    var tags: [Int]
    let input: FloatBuffer
    /// One graph-mixed input frame (J × (Cin + 1)).
    let mixed: FloatBuffer
    var needOut: [Bool]
    var needIn: [Bool]
    var fresh: [Bool]
    var taps: [ConstFloatPtr?]
    var residuals: [ConstFloatPtr?]

    init(_ b: PreparedBlock, window t: Int, joints j: Int, cleanIn: ClosedRange<Int>, emptyClean: Bool) {
        window = t
        joints = j
        cout = b.cout
        dilation = b.dilation
        frameIn = j * b.cin
        self.cleanIn = cleanIn
        hasCleanIn = !emptyClean
        let lo = cleanIn.lowerBound + b.dilation, hi = cleanIn.upperBound - b.dilation
        hasCleanOut = hasCleanIn && lo <= hi
        cleanOut = hasCleanOut ? lo...hi : 0...0
        cleanCount = hasCleanIn ? cleanIn.count : 0
        tapStore = FloatBuffer(count: t * j * 3 * b.cout)
        residualStore = FloatBuffer(count: t * j * b.cout)
        tags = Array(repeating: -1, count: max(cleanCount, 1))
        input = FloatBuffer(count: t * j * b.cin)
        mixed = FloatBuffer(count: j * b.mixedWidth)
        needOut = Array(repeating: false, count: t)
        needIn = Array(repeating: false, count: t)
        fresh = Array(repeating: false, count: t)
        taps = Array(repeating: nil, count: t)
        residuals = Array(repeating: nil, count: t)
    }

    mutating func invalidate() {
        for i in tags.indices { tags[i] = -1 }
    }

    func isCleanIn(_ f: Int) -> Bool { hasCleanIn && cleanIn.contains(f) }
    func isCleanOut(_ f: Int) -> Bool { hasCleanOut && cleanOut.contains(f) }

    /// Slot of a clean input by absolute frame; of an edge input by window position.
    private func cacheSlot(_ absolute: Int) -> Int { absolute % cleanCount }
    private func edgeSlot(_ f: Int) -> Int {
        guard hasCleanIn else { return f }
        return cleanCount + (f < cleanIn.lowerBound ? f : cleanIn.lowerBound + f - cleanIn.upperBound - 1)
    }

    /// Marks the inputs needed for `needOut` and, among them, those not in the cache.
    mutating func plan(needOut wanted: [Bool], start s: Int, reuse: Bool) {
        needOut = wanted
        for f in 0..<window { needIn[f] = false }
        for f in 0..<window where wanted[f] {
            for g in [f - dilation, f, f + dilation] where g >= 0 && g < window { needIn[g] = true }
        }
        for f in 0..<window {
            let cached = reuse && isCleanIn(f) && tags[cacheSlot(s + f)] == s + f
            fresh[f] = needIn[f] && !cached
            if needIn[f] && cached {
                let slot = cacheSlot(s + f)
                taps[f] = UnsafePointer(tapStore.pointer + slot * joints * 3 * cout)
                residuals[f] = UnsafePointer(residualStore.pointer + slot * joints * cout)
            } else {
                taps[f] = nil
                residuals[f] = nil
            }
        }
    }

    /// Per fresh frame: the graph step on the input, one GEMM into the tap slot and the residual
    /// (projection GEMM or a copy of the input). An edge frame (not clean, never cached) skips the taps
    /// whose output lies in the padding or is not needed; that choice depends only on the window
    /// position, so reuse on and off make identical BLAS calls.
    mutating func computeFresh(_ b: PreparedBlock, graph: GraphTables, start s: Int, reuse: Bool,
                               input: (Int) -> ConstFloatPtr) {
        let w3 = 3 * cout, mw = b.mixedWidth
        for f in 0..<window where fresh[f] {
            let x = input(f)
            let clean = isCleanIn(f)
            // Tap k of input f feeds output f − (k − 1)·d.
            var first = 0, last = 2
            if !clean {
                let used = [f + dilation < window && needOut[f + dilation], needOut[f], f - dilation >= 0 && needOut[f - dilation]]
                first = used.firstIndex(of: true) ?? 1
                last = used.lastIndex(of: true) ?? 1
            }
            // Without reuse clean frames still use their cache slot, but are never tagged as valid.
            let slot = clean ? cacheSlot(s + f) : edgeSlot(f)
            if reuse && clean { tags[slot] = s + f }
            let p = tapStore.pointer + slot * joints * w3
            let r = residualStore.pointer + slot * joints * cout
            graphMix(graph, x: x, xs: b.cin, out: mixed.pointer, os: mw, width: b.cin)
            let c0 = first * cout
            gemm(m: joints, n: (last + 1 - first) * cout, k: mw, a: mixed.pointer, lda: mw, b: b.taps.pointer + c0,
                 ldb: w3, c: p + c0, ldc: w3)
            if clean || needOut[f] {
                if b.projected {
                    gemm(m: joints, n: cout, k: b.cin, a: x, lda: b.cin, b: b.residual.pointer, ldb: cout, c: r, ldc: cout)
                } else {
                    r.update(from: x, count: joints * cout)
                }
            }
            taps[f] = UnsafePointer(p)
            residuals[f] = UnsafePointer(r)
        }
    }
}
