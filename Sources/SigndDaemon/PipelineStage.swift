import SigndCore

/// The stages of the frame loop, as `stats` events, `/metrics` and `signd bench` name them
/// (docs/architecture.md). Their durations are measured around each stage by the loop (`FrameTimings`), so
/// the readers cannot disagree about what a stage covers.
public enum PipelineStage: String, CaseIterable, Sendable {
    case capture, landmarks, window, binary, multiclass, publish
    /// From the grab thread receiving the frame to its events being published: the latency a subscriber sees.
    case captureToPublish = "capture_to_publish"

    /// Position in `allCases`, for per-stage arrays.
    public var index: Int { Self.allCases.firstIndex(of: self)! }
}

/// One frame's stage durations, taken from outside the stages: the loop runs each stage inside `measure`
/// (or records the capture wait with `set`), and the loop's `stats`, the metrics and `signd bench` all read
/// `forEachDuration`. A stage that had nothing to do on a frame (a head that did not run) has no entry.
public struct FrameTimings: Sendable {
    public let index: Int
    /// When the grab thread received the frame: the start of `capture_to_publish`.
    public let captureNanos: UInt64
    private var nanos: [UInt64?]
    /// When the `publish` stage ended: the end of `capture_to_publish`.
    private var publishedAt: UInt64?

    private static let measured = PipelineStage.allCases.filter { $0 != .captureToPublish }

    public init(index: Int, captureNanos: UInt64) {
        self.index = index
        self.captureNanos = captureNanos
        nanos = [UInt64?](repeating: nil, count: PipelineStage.allCases.count)
    }

    /// Runs `body` as `stage` and keeps its duration.
    public mutating func measure<T, E: Error>(_ stage: PipelineStage, _ body: () throws(E) -> T) throws(E) -> T {
        let start = Clock.monotonicNanos()
        let result = try body()
        let end = Clock.monotonicNanos()
        nanos[stage.index] = end &- start
        if stage == .publish { publishedAt = end }
        return result
    }

    /// A duration measured elsewhere (the wait for the frame happens before the frame exists).
    public mutating func set(_ stage: PipelineStage, nanos value: UInt64) {
        precondition(stage != .captureToPublish, "capture_to_publish is derived")
        nanos[stage.index] = value
    }

    /// The stage ran but did no work this frame that it should be judged by (no window was due): no entry.
    public mutating func discard(_ stage: PipelineStage) { nanos[stage.index] = nil }

    public subscript(stage: PipelineStage) -> UInt64? {
        stage == .captureToPublish ? publishedAt.map { $0 &- captureNanos } : nanos[stage.index]
    }
}

extension FrameTimings {
    /// How long this frame spent in each stage it went through, in `PipelineStage` order.
    public var durations: [(PipelineStage, UInt64)] {
        var out: [(PipelineStage, UInt64)] = []
        forEachDuration { out.append(($0, $1)) }
        return out
    }

    /// The same, without building an array (the loop calls it on every frame).
    public func forEachDuration(_ body: (PipelineStage, UInt64) -> Void) {
        for stage in Self.measured { if let value = nanos[stage.index] { body(stage, value) } }
        if let publishedAt { body(.captureToPublish, publishedAt &- captureNanos) }
    }
}
