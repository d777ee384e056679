import SigndCore
import SigndSTGCN
import SigndWindows

/// Tuning of the heads; every value is a `heads.*` config key (docs/configuration.md).
public struct HeadSettings: Sendable, Equatable {
    /// Run the binary head on every `stride`-th window (1: every frame, with backbone reuse).
    public var stride = 1
    public var smoothingAlpha = 0.5
    public var segments = SegmentTracker.Parameters()
    /// Run the multi-class head on every `multiclassEvery`-th frame while signing.
    public var multiclassEvery = 5
    public var topK = 5
    /// Open set: a prediction whose largest class probability is below this is answered `unknown`. nil: the
    /// multi-class head's calibrated `open_set.unknown_below` (0, never `unknown`, when it has none).
    public var unknownBelow: Double?
    /// A window may cover at most this many source frames (its own frames plus those dropped between them);
    /// a longer one is not scored and the windows restart as after a gap. nil: no limit.
    public var maxWindowSpanFrames: Int?
    /// Also run the multi-class head on every window, signing or not (`HeadStep.multiclassOutput`), for
    /// offline inspection (`signd replay --window-outputs`). Events are unchanged: a sign event still comes
    /// only while signing, every `multiclassEvery` frames, from the same window's output.
    public var multiclassOnEveryWindow = false
    public init() {}

    public func validate() throws(HeadsError) {
        guard stride >= 1 else { throw .parameter(name: "stride", problem: "must be ≥ 1, got \(stride)") }
        guard multiclassEvery >= 1 else { throw .parameter(name: "multiclass_every", problem: "must be ≥ 1, got \(multiclassEvery)") }
        guard topK >= 1 else { throw .parameter(name: "top_k", problem: "must be ≥ 1, got \(topK)") }
        if let t = unknownBelow, !(0...1).contains(t) {
            throw .parameter(name: "unknown_below", problem: "must be in 0...1, got \(t)")
        }
        if let span = maxWindowSpanFrames, span < 1 {
            throw .parameter(name: "max_window_span_frames", problem: "must be ≥ 1, got \(span)")
        }
        _ = try EMASmoother(alpha: smoothingAlpha)
        try segments.validate()
    }
}

/// One binary-head output. It is attributed to the window's last frame live (the newest information, no
/// added latency) and to its centre frame for evaluation against per-frame ground truth.
public struct WindowScore: Sendable, Equatable {
    public var first: FrameStamp
    public var center: FrameStamp
    public var last: FrameStamp
    /// The binary head's logits for the window.
    public var logits: [Float]
    /// softmax(logits)[signing_index].
    public var raw: Double
    /// After the smoother: what the state machine saw.
    public var smoothed: Double
    /// softmax(logits), both classes (computed on demand: the frame loop only needs `raw`).
    public var probabilities: [Float] { softmax(logits) }
}

/// The multi-class head's output for one window.
public struct MulticlassOutput: Sendable, Equatable {
    public var first: FrameStamp
    public var last: FrameStamp
    public var logits: [Float]
    public var probabilities: [Float]
}

/// A multi-class result: the top labels of one window, or (`isSegmentSummary`) of the mean class
/// probabilities over all windows classified during a segment.
public struct SignPrediction: Sendable, Equatable {
    public struct Label: Sendable, Equatable {
        public var index: Int
        public var label: String
        public var score: Double
    }
    public var top: [Label]
    /// The answer: the best label, or nil (`unknown`) when its score is below the open-set threshold.
    public var label: String?
    /// The score the answer was decided on: the largest class probability (of the window, or of the
    /// segment's mean).
    public var score: Double
    public var firstFrame: Int
    public var lastFrame: Int
    public var segment: Int?
    public var isSegmentSummary: Bool
    /// Windows behind it: 1, or those the segment's mean was taken over.
    public var windows: Int
    /// Full class probabilities (for evaluation).
    public var probabilities: [Float]
}

/// Windows thrown away because they covered too many source frames (the loop fell behind and frames
/// were dropped): scoring them would show the model seconds of motion squeezed into one window.
public struct WindowReset: Sendable, Equatable {
    /// Oldest frame of the window that was dropped, and the frame that would have completed it.
    public var firstFrame: Int
    public var lastFrame: Int
    /// Source frames the window would have covered, and the limit.
    public var spanFrames: Int
    public var maxSpanFrames: Int

    public init(firstFrame: Int, lastFrame: Int, spanFrames: Int, maxSpanFrames: Int) {
        self.firstFrame = firstFrame
        self.lastFrame = lastFrame
        self.spanFrames = spanFrames
        self.maxSpanFrames = maxSpanFrames
    }
}

/// What one frame produced.
public struct HeadStep: Sendable {
    public var score: WindowScore?
    /// Set when this frame restarted the windows (`HeadSettings.maxWindowSpanFrames`); any open segment
    /// ended in `transitions`.
    public var windowReset: WindowReset?
    /// The binary head gave NaN or inf for this frame's window: no score, the smoother and the segment
    /// state are left as they were.
    public var nonFiniteOutput = false
    public var transitions: [SegmentTracker.Transition] = []
    public var signs: [SignPrediction] = []
    /// The multi-class head's output when it ran on this frame's window (for a sign event, or on every
    /// window with `HeadSettings.multiclassOnEveryWindow`).
    public var multiclassOutput: MulticlassOutput?
    /// Whether the multi-class head ran on this frame for a sign (a segment summary alone does not count).
    public var multiclassRan = false
}

/// One frame between the heads' three stages (`HeadPipeline.window`, `.scoreBinary`, `.classify`): the
/// windows it completed, as references into the heads' buffers (no copy), and the step so far. The caller
/// runs the stages in order, each once, and may time each from outside.
public struct HeadFrame {
    public let stamp: FrameStamp
    public fileprivate(set) var step = HeadStep()
    /// The binary head's window ending at `stamp` (nil before the first full window, or off-stride).
    fileprivate var binaryWindow: WindowRing.Window?
    fileprivate var multiWindow: WindowRing.Window?
    /// Transitions that a window restart closed before this frame (their `end`s carry no summary yet).
    fileprivate var closedTransitions = 0
    fileprivate var stage = 0
}

/// A loaded head with its name (the stem, for events and errors).
public struct LoadedHead: Sendable {
    public let model: STGCNModel
    public let name: String
    public init(model: STGCNModel, name: String) { self.model = model; self.name = name }

    public static func load(stem: String) throws(HeadsError) -> LoadedHead {
        do {
            return LoadedHead(model: try STGCNModel.load(stem: URL(fileURLWithPath: stem)), name: stem)
        } catch {
            throw .load(model: stem, reason: error.description)
        }
    }
}

import Foundation

/// The heads: binary head → smoother → segment state machine, and the multi-class head while signing.
/// The single code path shared by the daemon, `signd replay`, `signd eval` and `signd bench`: feed frames in
/// order with `push`; call `close` at a source gap and at the end. Single-threaded (the frame loop owns it).
public final class HeadPipeline {
    public let binary: LoadedHead
    public let multiclass: LoadedHead?
    public private(set) var settings: HeadSettings

    /// The binary head's window buffer, the only copy of its frames: the streaming engine reads each new
    /// row in place, the full-window engine the whole window in place, and the stamps give the span.
    private let binaryRing: WindowRing
    private let stream: STGCNStream?           // stride 1: reuses backbone work across windows
    private var smoother: EMASmoother
    private var tracker: SegmentTracker
    private let multiRing: WindowRing?
    private var sinceMulti = Int.max
    private var segmentProbabilities: [Float] = []
    private var segmentWindows = 0
    private var lastStamp: FrameStamp?
    private let signingIndex: Int

    public init(binary: LoadedHead, multiclass: LoadedHead?, settings: HeadSettings, face: FaceSupply) throws(HeadsError) {
        try settings.validate()
        let bm = binary.model.manifest
        guard bm.binary, let signing = bm.signingClass else {
            throw .wrongKind(model: binary.name, problem: "heads.binary needs a binary head (manifest binary: true), got \(bm.numClasses) classes")
        }
        if let multiclass, multiclass.model.manifest.binary {
            throw .wrongKind(model: multiclass.name, problem: "heads.multiclass needs a multi-class head, got a binary one")
        }
        self.binary = binary
        self.multiclass = multiclass
        self.settings = settings
        signingIndex = signing
        let binaryLayout = try ModelCheck.featureLayout(of: binary.model, name: binary.name, face: face)
        // Stride 1 streams (the stream emits on the manifest's stride); a larger stride recomputes each window.
        stream = settings.stride == 1 ? STGCNStream(model: binary.model, reuse: true) : nil
        do {
            binaryRing = try WindowRing(layout: binaryLayout, length: bm.window, stride: stream != nil ? bm.stride : settings.stride)
        } catch {
            throw .layoutMismatch(model: binary.name, problem: error.description)
        }
        smoother = try EMASmoother(alpha: settings.smoothingAlpha)
        tracker = try SegmentTracker(parameters: settings.segments)
        if let multiclass {
            let layout = try ModelCheck.featureLayout(of: multiclass.model, name: multiclass.name, face: face)
            do { multiRing = try WindowRing(layout: layout, length: multiclass.model.manifest.window, stride: 1) } catch {
                throw .layoutMismatch(model: multiclass.name, problem: error.description)
            }
        } else {
            multiRing = nil
        }
    }

    /// Why a landmark file's frames cannot feed these heads, nil when they can: no frame at all, or faces of
    /// another size than a head's face part (such a face would be read as missing). `signd replay` and
    /// `signd eval` check every file with it before the first frame.
    public func inputProblem(_ frames: [HolisticLandmarks]) -> String? {
        guard let first = frames.first else { return "the file holds 0 frames" }
        let heads: [(FeatureLayout?, String)] = [(binaryRing.layout, binary.name), (multiRing?.layout, multiclass?.name ?? "")]
        for (layout, head) in heads {
            if let wanted = layout?.faceJoints, let problem = FaceSupply.fileProblem(wanted: wanted, have: first.faceJointCount) {
                return "head \(head): \(problem)"
            }
        }
        return nil
    }

    /// Applies new decision settings (a config reload) without dropping the open segment: smoothing,
    /// thresholds, run lengths, multi-class cadence, top-k and the window span limit. The stride picks the
    /// engine, so it cannot change here.
    public func retune(_ new: HeadSettings) throws(HeadsError) {
        try new.validate()
        guard new.stride == settings.stride else {
            throw .parameter(name: "stride", problem: "cannot change from \(settings.stride) to \(new.stride) without a restart")
        }
        smoother = try smoother.retuned(alpha: new.smoothingAlpha)
        try tracker.retune(new.segments)
        settings = new
    }

    /// The open-set threshold in force: the setting, else the multi-class head's calibrated one, else 0.
    public var unknownBelow: Double {
        settings.unknownBelow ?? multiclass?.model.manifest.openSet?.unknownBelow ?? 0
    }

    /// Window length of the binary head (frames before its first output).
    public var window: Int { binary.model.manifest.window }
    public var isSigning: Bool { tracker.isSigning }
    /// The open segment's id and first frame, nil while idle.
    public var openSegment: (segment: Int, startFrame: Int, confirmed: Bool?)? {
        tracker.openSegment.map { ($0.segment, $0.start.frame, tracker.openSegmentConfirmed) }
    }

    /// Feeds the next frame through all three stages.
    public func push(stamp: FrameStamp, landmarks: HolisticLandmarks) -> HeadStep {
        var frame = window(stamp: stamp, landmarks: landmarks)
        scoreBinary(&frame)
        return classify(&frame)
    }

    /// Stage `window`: writes the frame into both heads' window buffers (the only copy of their frames) and
    /// takes references to the windows it completes. A window that would span more source frames than
    /// allowed first restarts the windows, ending any open segment.
    public func window(stamp: FrameStamp, landmarks: HolisticLandmarks) -> HeadFrame {
        var frame = HeadFrame(stamp: stamp)
        if let reset = overlongWindow(ending: stamp) {
            frame.step = close()
            frame.step.windowReset = reset
        }
        frame.closedTransitions = frame.step.transitions.count
        lastStamp = stamp
        frame.binaryWindow = binaryRing.push(stamp: stamp, landmarks: landmarks)
        frame.multiWindow = multiRing?.push(stamp: stamp, landmarks: landmarks)
        frame.stage = 1
        return frame
    }

    /// Stage `binary`: the binary head on the frame (the streaming engine sees every frame; it answers when a
    /// window is due), then the smoother and the segment state machine.
    public func scoreBinary(_ frame: inout HeadFrame) {
        precondition(frame.stage == 1, "HeadPipeline: scoreBinary before window, or twice")
        frame.stage = 2
        switch score(frame.binaryWindow, stamp: frame.stamp) {
        case .scored(let score):
            frame.step.score = score
            frame.step.transitions += tracker.step(mark(score.last), probability: score.smoothed)
            // A new segment classifies its first full window at once.
            if frame.step.transitions.contains(where: { $0.phase == .start }) { sinceMulti = Int.max }
        case .nonFinite:
            frame.step.nonFiniteOutput = true
        case .noWindow:
            break
        }
    }

    /// Stage `multiclass`: the multi-class head on its window while signing, every `multiclassEvery` frames
    /// (or on every window with `multiclassOnEveryWindow`), and the summary of a segment that ended. Returns
    /// the frame's step.
    public func classify(_ frame: inout HeadFrame) -> HeadStep {
        precondition(frame.stage == 2, "HeadPipeline: classify before scoreBinary, or twice")
        frame.stage = 3
        if let multiclass {
            if sinceMulti != Int.max { sinceMulti += 1 }
            let segment = sinceMulti >= settings.multiclassEvery ? tracker.activeSegment : nil
            if let window = frame.multiWindow, segment != nil || settings.multiclassOnEveryWindow {
                let logits = window.withFeatures { multiclass.model.logits(window: $0) }
                let probabilities = softmax(logits)
                frame.step.multiclassOutput = MulticlassOutput(first: window.first, last: window.last, logits: logits, probabilities: probabilities)
                if let segment {
                    sinceMulti = 0
                    frame.step.multiclassRan = true
                    accumulate(probabilities)
                    frame.step.signs.append(prediction(probabilities, first: window.first.index, last: window.last.index, segment: segment, summary: false))
                }
            }
        }
        for transition in frame.step.transitions[frame.closedTransitions...] where transition.phase == .end {
            if let summary = segmentSummary(transition) { frame.step.signs.append(summary) }
        }
        return frame.step
    }

    /// Ends an open segment and forgets all frames: call at a source gap (then keep pushing) and at the end.
    public func close() -> HeadStep {
        var step = HeadStep()
        step.transitions = tracker.close(at: lastStamp.map(mark))
        for transition in step.transitions where transition.phase == .end {
            if let summary = segmentSummary(transition) { step.signs.append(summary) }
        }
        stream?.reset()
        binaryRing.reset()
        multiRing?.reset()
        smoother.reset()
        sinceMulti = Int.max
        return step
    }

    // MARK: internals

    private func mark(_ stamp: FrameStamp) -> SegmentTracker.Mark { .init(frame: stamp.index, nanos: stamp.captureNanos) }

    /// The window `stamp` would complete, when it covers more source frames than allowed. Frame indices
    /// count every frame the source delivered, so frames dropped between two pushed ones show as a gap.
    private func overlongWindow(ending stamp: FrameStamp) -> WindowReset? {
        guard let limit = settings.maxWindowSpanFrames else { return nil }
        // The window `stamp` completes holds it and the newest length − 1 frames of the buffer.
        let held = min(binaryRing.count, binaryRing.length - 1)
        guard held > 0, let oldest = binaryRing.stamp(back: held - 1) else { return nil }
        let span = stamp.index - oldest.index + 1
        guard span > limit else { return nil }
        return WindowReset(firstFrame: oldest.index, lastFrame: stamp.index, spanFrames: span, maxSpanFrames: limit)
    }

    private enum BinaryOutcome { case noWindow, nonFinite, scored(WindowScore) }

    private func score(_ window: WindowRing.Window?, stamp: FrameStamp) -> BinaryOutcome {
        let logits: [Float]?
        if let stream {
            // Every frame goes to the stream (it caches per-frame work); it answers when a window is due.
            logits = binaryRing.withNewestFeatures { stream.push(frame: $0) }
            precondition((logits != nil) == (window != nil), "the stream and the window buffer disagree about when a window is due")
        } else {
            logits = window?.withFeatures { binary.model.logits(window: $0) }
        }
        guard let window, let logits else { return .noWindow }
        let first = window.first, center = window.center
        let p = Double(softmax(logits)[signingIndex])
        guard p.isFinite else { return .nonFinite }
        let smoothed = smoother.step(p)
        return .scored(WindowScore(first: first, center: center, last: stamp, logits: logits, raw: p, smoothed: smoothed))
    }

    private func accumulate(_ probabilities: [Float]) {
        if segmentProbabilities.count != probabilities.count { segmentProbabilities = [Float](repeating: 0, count: probabilities.count) }
        for i in probabilities.indices { segmentProbabilities[i] += probabilities[i] }
        segmentWindows += 1
    }

    private func segmentSummary(_ end: SegmentTracker.Transition) -> SignPrediction? {
        defer { segmentProbabilities = []; segmentWindows = 0 }
        guard segmentWindows > 0 else { return nil }
        let mean = segmentProbabilities.map { $0 / Float(segmentWindows) }
        return prediction(mean, first: end.start.frame, last: end.summary?.last.frame ?? end.at.frame, segment: end.segment,
                          summary: true, windows: segmentWindows)
    }

    private func prediction(_ probabilities: [Float], first: Int, last: Int, segment: Int?, summary: Bool, windows: Int = 1) -> SignPrediction {
        let labels = multiclass?.model.manifest.labels ?? []
        // A background class only lowers the real classes: it never answers nor appears among the top labels.
        var answerable = probabilities, answers = probabilities.count
        if let background = multiclass?.model.manifest.backgroundClass, background < answerable.count {
            answerable[background] = -1
            answers -= 1
        }
        let top = topK(answerable, k: min(settings.topK, answers)).map {
            SignPrediction.Label(index: $0.index, label: $0.index < labels.count ? labels[$0.index] : "\($0.index)", score: Double($0.value))
        }
        let best = top.first?.score ?? 0
        return SignPrediction(top: top, label: best >= unknownBelow ? top.first?.label : nil, score: best, firstFrame: first,
                              lastFrame: last, segment: segment, isSegmentSummary: summary, windows: windows,
                              probabilities: probabilities)
    }
}
