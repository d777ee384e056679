import SigndCore

/// A fixed-capacity ring of per-frame features that yields a window of the last `length` frames every
/// `stride` frames. Each frame is written twice (at slot i and i + length) so every window is one
/// contiguous run of memory: windows are views, never copies, and memory never grows.
/// Single-threaded by design: the frame loop owns it.
public final class WindowRing {
    public let layout: FeatureLayout
    public let length: Int
    public let stride: Int

    private var storage: [Float]
    private var stamps: [FrameStamp?]
    private var landmarks: [HolisticLandmarks?]
    private var written = 0          // frames pushed since the last reset
    private var sinceWindow = 0      // frames pushed since the last emitted window
    private var generation = 0       // bumps on every push; a Window is valid only for its generation

    public init(layout: FeatureLayout, length: Int = 25, stride: Int = 1) throws(WindowError) {
        guard length >= 1, stride >= 1 else { throw .invalidWindow(length: length, stride: stride) }
        self.layout = layout
        self.length = length
        self.stride = stride
        storage = [Float](repeating: 0, count: 2 * length * layout.valuesPerFrame)
        stamps = Array(repeating: nil, count: length)
        landmarks = Array(repeating: nil, count: length)
    }

    /// Frames currently held (≤ length).
    public var count: Int { min(written, length) }

    /// Adds a frame; returns the window ending at it when one is due (after `length` frames, then every
    /// `stride` frames). The returned window is valid until the next `push` or `reset`.
    public func push(stamp: FrameStamp, landmarks frame: HolisticLandmarks) -> Window? {
        let slot = written % length
        let f = layout.valuesPerFrame
        storage.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            layout.write(frame, into: base + slot * f)
            (base + (slot + length) * f).update(from: base + slot * f, count: f)
        }
        stamps[slot] = stamp
        landmarks[slot] = frame
        written += 1
        sinceWindow += 1
        generation += 1
        guard written >= length, written == length || sinceWindow >= stride else { return nil }
        sinceWindow = 0
        return Window(ring: self, startSlot: written % length, generation: generation)
    }

    /// The stamp of the frame `back` pushes before the newest (0: the newest), nil when it is not held.
    public func stamp(back: Int) -> FrameStamp? {
        guard back >= 0, back < count else { return nil }
        return stamps[(written - 1 - back) % length]
    }

    /// The newest frame's features (J·C floats), in place; valid until the next `push` or `reset`.
    public func withNewestFeatures<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(written > 0, "no frame pushed")
        let f = layout.valuesPerFrame, slot = (written - 1) % length
        return try storage.withUnsafeBufferPointer { buffer in
            try body(UnsafeBufferPointer(rebasing: buffer[(slot * f)..<((slot + 1) * f)]))
        }
    }

    /// Forgets every frame (e.g. after the source reconnected: a window must not straddle a gap).
    public func reset() {
        written = 0
        sinceWindow = 0
        generation += 1
        for i in 0..<length { stamps[i] = nil; landmarks[i] = nil }
    }

    /// A view of `length` consecutive frames.
    public struct Window {
        fileprivate let ring: WindowRing
        fileprivate let startSlot: Int
        fileprivate let generation: Int

        /// False once the ring was pushed or reset after this window was returned: every accessor then
        /// stops with a precondition failure instead of reading frames of a later window.
        public var isValid: Bool { generation == ring.generation }

        private func checkValid() {
            precondition(isValid, "window used after the ring moved on")
        }

        /// Frame stamps, oldest first.
        public var stamps: [FrameStamp] {
            checkValid()
            return (0..<ring.length).map { ring.stamps[(startSlot + $0) % ring.length]! }
        }

        /// The per-frame landmark records, oldest first.
        public var landmarks: [HolisticLandmarks] {
            checkValid()
            return (0..<ring.length).map { ring.landmarks[(startSlot + $0) % ring.length]! }
        }

        public var first: FrameStamp { checkValid(); return ring.stamps[startSlot]! }
        public var last: FrameStamp { checkValid(); return ring.stamps[(startSlot + ring.length - 1) % ring.length]! }
        /// The centre frame (s + length/2): the frame an output is attributed to for evaluation.
        public var center: FrameStamp { checkValid(); return ring.stamps[(startSlot + ring.length / 2) % ring.length]! }
        /// Source frames the window covers, dropped ones between its frames included (frame indices count
        /// every frame the source delivered): `length` when nothing was dropped.
        public var spanFrames: Int { last.index - first.index + 1 }

        /// The (length, J, C) features, row-major, without copying.
        public func withFeatures<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
            checkValid()
            let f = ring.layout.valuesPerFrame
            return try ring.storage.withUnsafeBufferPointer { buffer in
                try body(UnsafeBufferPointer(rebasing: buffer[(startSlot * f)..<((startSlot + ring.length) * f)]))
            }
        }
    }
}
