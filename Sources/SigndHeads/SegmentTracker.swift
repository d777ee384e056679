/// The hysteresis state machine that turns a (smoothed) signing probability per frame into signing
/// segments, like a motion detector's event lifecycle: `start` (naming the frame the segment began),
/// periodic `update`, then `end` with the whole segment's summary.
///
/// * Idle → signing: p ≥ `enterThreshold` on `minStartFrames` consecutive scored frames. The segment
///   begins at the first of them (that is the `start` event's `startFrame`); the event is emitted on the
///   last of them.
/// * Signing → idle: p < `exitThreshold` on `minEndFrames` consecutive scored frames. The segment's last
///   frame is the one before the first of them; the event is emitted on the last of them.
/// * Between the thresholds nothing changes (hysteresis). While signing, an `update` every
///   `updateIntervalFrames` frames after the start or the previous update (0 = never).
/// * Confirmation (`confirmFrames` > 0): the `start` is tentative; `confirm` follows on the frame where p has
///   stayed ≥ `enterThreshold` for `confirmFrames` consecutive scored frames of the segment (its start run
///   counts), at most once per segment. A short burst that ends before that is never confirmed, and its
///   `end` says so (`Transition.confirmed`), so a subscriber can react to `confirm` instead of `start`.
/// * `close(at:)` ends an open segment at once (end of file, shutdown, source gap).
///
/// Frames are counted on the stamps passed in, so the machine needs no clock and replays identically.
public struct SegmentTracker: Sendable {
    public struct Parameters: Sendable, Equatable {
        public var enterThreshold: Double
        public var exitThreshold: Double
        public var minStartFrames: Int
        public var minEndFrames: Int
        public var updateIntervalFrames: Int
        /// Consecutive scored frames ≥ enter that confirm a segment (0: no confirmation).
        public var confirmFrames: Int

        public init(enterThreshold: Double = 0.6, exitThreshold: Double = 0.4, minStartFrames: Int = 3,
                    minEndFrames: Int = 10, updateIntervalFrames: Int = 30, confirmFrames: Int = 0) {
            self.enterThreshold = enterThreshold
            self.exitThreshold = exitThreshold
            self.minStartFrames = minStartFrames
            self.minEndFrames = minEndFrames
            self.updateIntervalFrames = updateIntervalFrames
            self.confirmFrames = confirmFrames
        }

        public func validate() throws(HeadsError) {
            guard (0...1).contains(enterThreshold) else { throw .parameter(name: "enter_threshold", problem: "must be in [0, 1], got \(enterThreshold)") }
            guard (0...1).contains(exitThreshold) else { throw .parameter(name: "exit_threshold", problem: "must be in [0, 1], got \(exitThreshold)") }
            guard exitThreshold <= enterThreshold else {
                throw .parameter(name: "exit_threshold", problem: "must be ≤ enter_threshold (\(enterThreshold)), got \(exitThreshold)")
            }
            guard minStartFrames >= 1 else { throw .parameter(name: "min_start_frames", problem: "must be ≥ 1, got \(minStartFrames)") }
            guard minEndFrames >= 1 else { throw .parameter(name: "min_end_frames", problem: "must be ≥ 1, got \(minEndFrames)") }
            guard updateIntervalFrames >= 0 else { throw .parameter(name: "update_interval_frames", problem: "must be ≥ 0, got \(updateIntervalFrames)") }
            // A confirmation no longer than the start run would confirm every segment as it starts.
            guard confirmFrames == 0 || confirmFrames > minStartFrames else {
                throw .parameter(name: "confirm_frames", problem: "must be 0 (off) or more than min_start_frames (\(minStartFrames)), got \(confirmFrames)")
            }
        }
    }

    /// A frame as the tracker sees it: its index and capture time (monotonic ns).
    public struct Mark: Sendable, Equatable {
        public var frame: Int
        public var nanos: UInt64
        public init(frame: Int, nanos: UInt64) { self.frame = frame; self.nanos = nanos }
    }

    public enum Phase: String, Sendable, Equatable { case start, confirm, update, end }

    /// One lifecycle event of a segment.
    public struct Transition: Sendable, Equatable {
        public var phase: Phase
        public var segment: Int
        /// The segment's first frame.
        public var start: Mark
        /// The frame whose probability caused this transition (emission frame).
        public var at: Mark
        /// Smoothed probability at `at`.
        public var probability: Double
        /// At `end`: the segment's last frame and its statistics over [start, last].
        public var summary: Summary?
        /// Whether the segment is confirmed as of this transition (false at a tentative `start`, true from
        /// `confirm` on, and at `end` whether it ever was); nil when confirmation is off.
        public var confirmed: Bool? = nil
    }

    public struct Summary: Sendable, Equatable {
        public var last: Mark
        public var frames: Int
        public var meanProbability: Double
        public var maxProbability: Double
        /// start → last, from the capture times.
        public var durationNanos: UInt64
    }

    public private(set) var parameters: Parameters
    public private(set) var nextSegment = 0
    /// The open segment's id, nil while idle.
    public private(set) var activeSegment: Int?

    private var candidate: Mark?              // first frame of the current run above enter (idle)
    private var candidateRun = 0
    private var candidateProbabilities: [Double] = []
    private var segmentStart = Mark(frame: 0, nanos: 0)
    private var lastUpdateFrame = 0
    private var belowRun = 0
    private var aboveRun = 0                  // consecutive frames ≥ enter in the open segment (confirmation)
    private var confirmed = false
    private var belowFirstPrevious: Mark?     // last frame before the current run below exit
    private var previous: Mark?
    private var lastProbability = 0.0
    private var sum = 0.0, maxP = 0.0, count = 0
    private var pendingSum = 0.0, pendingMax = 0.0, pendingCount = 0  // frames inside the below-exit run

    public init(parameters: Parameters) throws(HeadsError) {
        try parameters.validate()
        self.parameters = parameters
    }

    public var isSigning: Bool { activeSegment != nil }

    /// The open segment's confirmation as transitions report it: nil when confirmation is off.
    private var confirmation: Bool? { parameters.confirmFrames > 0 ? confirmed : nil }

    /// The open segment's id and first frame, nil while idle.
    public var openSegment: (segment: Int, start: Mark)? { activeSegment.map { ($0, segmentStart) } }

    /// Whether the open segment is confirmed: nil while idle or when confirmation is off.
    public var openSegmentConfirmed: Bool? { activeSegment == nil ? nil : confirmation }

    /// New thresholds and run lengths (a config reload); an open segment and the runs counted so far are
    /// kept and judged by the new values from the next frame on.
    public mutating func retune(_ parameters: Parameters) throws(HeadsError) {
        try parameters.validate()
        self.parameters = parameters
    }

    /// Feeds one scored frame's smoothed probability; returns the transitions it causes (0–2: a `confirm` and
    /// an `update` can fall on the same frame).
    public mutating func step(_ mark: Mark, probability p: Double) -> [Transition] {
        defer { previous = mark; lastProbability = p }
        var out: [Transition] = []
        if let segment = activeSegment {
            aboveRun = p >= parameters.enterThreshold ? aboveRun + 1 : 0
            if parameters.confirmFrames > 0, !confirmed, aboveRun >= parameters.confirmFrames {
                confirmed = true
                out.append(Transition(phase: .confirm, segment: segment, start: segmentStart, at: mark, probability: p, summary: nil,
                                      confirmed: true))
            }
            if p < parameters.exitThreshold {
                if belowRun == 0 { belowFirstPrevious = previous ?? mark }
                belowRun += 1
                pendingSum += p; pendingMax = max(pendingMax, p); pendingCount += 1
                if belowRun >= parameters.minEndFrames {
                    out.append(endTransition(segment: segment, at: mark, probability: p, last: belowFirstPrevious ?? mark))
                }
                return out
            }
            // Back above exit: the dip belongs to the segment.
            sum += pendingSum + p; maxP = max(maxP, pendingMax, p); count += pendingCount + 1
            belowRun = 0; pendingSum = 0; pendingMax = 0; pendingCount = 0
            if parameters.updateIntervalFrames > 0, mark.frame - lastUpdateFrame >= parameters.updateIntervalFrames {
                lastUpdateFrame = mark.frame
                out.append(Transition(phase: .update, segment: segment, start: segmentStart, at: mark, probability: p, summary: nil,
                                      confirmed: confirmation))
            }
            return out
        }
        guard p >= parameters.enterThreshold else {
            candidate = nil; candidateRun = 0; candidateProbabilities = []
            return out
        }
        if candidate == nil { candidate = mark }
        candidateRun += 1
        candidateProbabilities.append(p)
        if candidateRun >= parameters.minStartFrames, let first = candidate {
            let segment = nextSegment
            nextSegment += 1
            activeSegment = segment
            segmentStart = first
            lastUpdateFrame = mark.frame
            sum = candidateProbabilities.reduce(0, +); maxP = candidateProbabilities.max() ?? p; count = candidateProbabilities.count
            aboveRun = candidateRun; confirmed = false
            candidate = nil; candidateRun = 0; candidateProbabilities = []
            belowRun = 0; pendingSum = 0; pendingMax = 0; pendingCount = 0
            out.append(Transition(phase: .start, segment: segment, start: first, at: mark, probability: p, summary: nil,
                                  confirmed: confirmation))
        }
        return out
    }

    /// Ends an open segment now (its last frame is the last frame fed, or the frame before a pending
    /// below-exit run), and forgets any pending start. `at` is the frame the end is reported on.
    public mutating func close(at mark: Mark? = nil) -> [Transition] {
        defer {
            candidate = nil; candidateRun = 0; candidateProbabilities = []
            previous = nil
        }
        guard let segment = activeSegment, let lastFed = previous else {
            activeSegment = nil
            return []
        }
        let last = belowRun > 0 ? (belowFirstPrevious ?? lastFed) : lastFed
        return [endTransition(segment: segment, at: mark ?? lastFed, probability: lastProbability, last: last)]
    }

    private mutating func endTransition(segment: Int, at: Mark, probability: Double, last: Mark) -> Transition {
        activeSegment = nil
        let frames = last.frame - segmentStart.frame + 1
        let summary = Summary(last: last, frames: frames, meanProbability: count > 0 ? sum / Double(count) : 0,
                              maxProbability: maxP,
                              durationNanos: last.nanos >= segmentStart.nanos ? last.nanos - segmentStart.nanos : 0)
        belowRun = 0; pendingSum = 0; pendingMax = 0; pendingCount = 0
        return Transition(phase: .end, segment: segment, start: segmentStart, at: at, probability: probability, summary: summary,
                          confirmed: confirmation)
    }
}
