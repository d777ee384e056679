/// The stages of the frame loop, as `stats` events and `signd bench` name them. Their durations are taken
/// from outside the stages, from one frame's timestamps (`FrameTimings.durations`), so the loop's `stats`
/// and the bench cannot disagree about what a stage covers.
public enum PipelineStage: String, CaseIterable, Sendable {
    case capture, landmarks, window, binary, multiclass, publish
    /// From the grab thread receiving the frame to its events being published: the latency a subscriber sees.
    case captureToPublish = "capture_to_publish"

    /// Position in `allCases`, for per-stage arrays.
    public var index: Int { Self.allCases.firstIndex(of: self)! }
}

/// Monotonic timestamps (ns) of one frame through the loop: what the loop's `stats` and `signd bench` read.
public struct FrameTimings: Sendable {
    public var index: Int
    /// When the grab thread received the frame.
    public var captureNanos: UInt64
    /// The loop started waiting for the frame / got it.
    public var waitStart: UInt64
    public var captured: UInt64
    public var landmarksDone: UInt64
    /// Time writing the frame into the heads' windows (nil without heads), then in each head (nil when
    /// that head did not run on this frame).
    public var windowNanos: UInt64?
    public var binaryNanos: UInt64?
    public var multiclassNanos: UInt64?
    public var headsDone: UInt64
    public var published: UInt64

    public init(index: Int, captureNanos: UInt64, waitStart: UInt64, captured: UInt64, landmarksDone: UInt64, windowNanos: UInt64?,
                binaryNanos: UInt64?, multiclassNanos: UInt64?, headsDone: UInt64, published: UInt64) {
        self.index = index
        self.captureNanos = captureNanos
        self.waitStart = waitStart
        self.captured = captured
        self.landmarksDone = landmarksDone
        self.windowNanos = windowNanos
        self.binaryNanos = binaryNanos
        self.multiclassNanos = multiclassNanos
        self.headsDone = headsDone
        self.published = published
    }
}

extension FrameTimings {
    /// How long this frame spent in each stage it went through (a head that did not run has no entry).
    public var durations: [(PipelineStage, UInt64)] {
        var out: [(PipelineStage, UInt64)] = []
        forEachDuration { out.append(($0, $1)) }
        return out
    }

    /// The same, without building an array (the loop calls it on every frame).
    public func forEachDuration(_ body: (PipelineStage, UInt64) -> Void) {
        body(.capture, captured &- waitStart)
        body(.landmarks, landmarksDone &- captured)
        if let windowNanos { body(.window, windowNanos) }
        if let binaryNanos { body(.binary, binaryNanos) }
        if let multiclassNanos { body(.multiclass, multiclassNanos) }
        body(.publish, published &- headsDone)
        body(.captureToPublish, published &- captureNanos)
    }
}
