import Dispatch
import Foundation
import SigndCapture
import SigndCore

/// Why a pipelined frame produced no landmarks.
public enum PipelinedHolisticError: Error, CustomStringConvertible, Sendable {
    /// Stage 1 or 2 of frame `index` failed (the frames after it are not processed).
    case frame(index: Int, reason: any Error)
    /// `submit` or `finish` after `close`, or after an earlier failure was reported.
    case closed

    public var description: String {
        switch self {
        case let .frame(index, reason): return "frame \(index): \(reason)"
        case .closed: return "the landmark pipeline is closed"
        }
    }
}

/// Holistic pipelined across frames on two threads (`signd extract`, and the daemon with
/// `landmarks.pipelined`): stage 1 (pose detector when
/// lost + pose landmarks) of frame t+1 runs while stage 2 (hands, face) of frame t runs. That is what the
/// data dependencies allow — frame t+1's pose ROI needs only frame t's pose; hands and face of frame t
/// need frame t's pose and their own previous state — so the landmarks are bit-identical to
/// `HolisticTracker.process` on the same frames, only the throughput differs.
///
/// Frames go in with `submit` in order and come out of `submit`/`finish` in the same order; each frame's
/// image is kept alive until its stage 2 is done. One thread submits (the calls block while the pipeline
/// is full); `close` (also run on deinit) stops the work and waits for it. On 2 cores stage 2 is faster
/// with `options.concurrentHands` off: the pose thread already keeps the other core busy
/// (Benchmarks/README.md, Holistic section).
public final class PipelinedHolistic: Sendable {
    /// One frame's landmarks, with the image it was computed on.
    public struct Output: Sendable {
        public let index: Int
        public let image: BGRImage
        public let landmarks: HolisticLandmarks
        /// Per-stage wall times are each stage's own; the stages of neighbouring frames overlap.
        public let info: HolisticFrameInfo
        /// From `submit` to the end of stage 2: latency, not throughput (frames overlap).
        public let latencyMillis: Double
    }

    public var options: HolisticOptions { tracker.options }
    /// Frames submitted and not yet through stage 2 (one in each stage plus what waits).
    public let maxFramesInFlight: Int
    private let tracker: HolisticTracker
    private let poseQueue = DispatchQueue(label: "signd.holistic.pose", qos: .userInitiated)
    private let dependentsQueue = DispatchQueue(label: "signd.holistic.dependents", qos: .userInitiated)
    private let shared: Shared
    private let onFrameDone: (@Sendable () -> Void)?

    /// Loads the models as `HolisticTracker.init` does (same errors). `maxFramesInFlight` 2 lets both
    /// stages work at once; 3 (default) also lets stage 1 start the next frame while stage 2 is behind (on
    /// detector frames, for instance): about as fast on 2 cores, slightly ahead over two measured sweeps,
    /// at twice the latency, which offline extraction does not mind (Benchmarks/README.md).
    /// - Parameters:
    ///   - continuesAfterFailure: false (extraction): the first failed frame stops the pipeline. true (the
    ///     daemon, where one corrupt decode must not stop a camera): a failed frame is one failed result
    ///     and the frames after it go on, as `HolisticTracker.process` goes on after a throw.
    ///   - onFrameDone: called on the stage-2 thread once each frame's result can be taken (the daemon
    ///     wakes its loop with it); keep it short.
    public convenience init(modelsDirectory: URL, options: HolisticOptions = HolisticOptions(), verifyChecksums: Bool = true,
                            maxFramesInFlight: Int = 3, continuesAfterFailure: Bool = false,
                            onFrameDone: (@Sendable () -> Void)? = nil) throws {
        try self.init(models: HolisticModels(modelsDirectory: modelsDirectory, options: options, verifyChecksums: verifyChecksums),
                      options: options, maxFramesInFlight: maxFramesInFlight, continuesAfterFailure: continuesAfterFailure,
                      onFrameDone: onFrameDone)
    }

    /// The same on loaded models that other trackers may share (`HolisticTracker.init(models:options:)`).
    public init(models: HolisticModels, options: HolisticOptions, maxFramesInFlight: Int = 3, continuesAfterFailure: Bool = false,
                onFrameDone: (@Sendable () -> Void)? = nil) throws {
        tracker = try HolisticTracker(models: models, options: options)
        self.maxFramesInFlight = max(1, maxFramesInFlight)
        shared = Shared(continuesAfterFailure: continuesAfterFailure)
        self.onFrameDone = onFrameDone
    }

    deinit { close() }

    /// Queues frame `index` (shown in errors; timestamps must increase, as for `HolisticTracker`). Blocks
    /// while `maxFramesInFlight` frames are in the pipeline; returns the frames finished meanwhile, in
    /// order. Throws the first failed frame's `PipelinedHolisticError.frame` (and closes the pipeline).
    public func submit(_ image: BGRImage, index: Int, timestampMicros: Int64) throws -> [Output] {
        let ready = try shared.takeAndReserve(maxInFlight: maxFramesInFlight)
        dispatch(image, index: index, timestampMicros: timestampMicros)
        return ready
    }

    /// Queues frame `index` without taking results (`results(leavingInFlight:)` takes them): for a caller
    /// that collects finished frames on its own schedule. Blocks while `maxFramesInFlight` frames are in the
    /// pipeline; throws `closed` after `close`.
    public func enqueue(_ image: BGRImage, index: Int, timestampMicros: Int64) throws(PipelinedHolisticError) {
        try shared.reserve(maxInFlight: maxFramesInFlight)
        dispatch(image, index: index, timestampMicros: timestampMicros)
    }

    /// Waits until at most `inFlight` frames are still in the pipeline, then returns every result not yet
    /// taken, in frame order: landmarks, or the frame's `PipelinedHolisticError.frame` (failures are not
    /// thrown, so the frames after one can be taken with `continuesAfterFailure`). 0 waits for all.
    public func results(leavingInFlight inFlight: Int) -> [Result<Output, PipelinedHolisticError>] {
        shared.takeResults(leavingInFlight: max(0, inFlight))
    }

    /// Waits for the frames in flight (their results stay to be taken), then forgets the tracking state,
    /// as `HolisticTracker.reset` does: the next frame starts with the detectors.
    public func reset() {
        shared.waitUntilIdle(closing: false)
        tracker.reset()
    }

    private func dispatch(_ image: BGRImage, index: Int, timestampMicros: Int64) {
        let submitted = Clock.monotonicNanos()
        let tracker = tracker, shared = shared, dependentsQueue = dependentsQueue, onFrameDone = onFrameDone
        poseQueue.async {
            let pose: Result<HolisticTracker.PoseOutcome, any Error>
            if shared.skipsPose {
                pose = .failure(PipelinedHolisticError.closed)
            } else {
                pose = Result {
                    try withExtendedLifetime(image) {
                        try tracker.processPose(BGRFrameView(image), timestampMicros: timestampMicros)
                    }
                }
                // Later frames' poses would track from a state this frame left half-updated.
                if case .failure = pose { shared.poseFailed() }
            }
            dependentsQueue.async {
                let output = Result<Output, any Error> {
                    let outcome = try pose.get()
                    guard !shared.skipsDependents else { throw PipelinedHolisticError.closed }
                    let (landmarks, info) = try withExtendedLifetime(image) {
                        try tracker.processDependents(BGRFrameView(image), pose: outcome)
                    }
                    return Output(index: index, image: image, landmarks: landmarks, info: info,
                                  latencyMillis: Double(Clock.monotonicNanos() - submitted) / 1e6)
                }
                shared.complete(output.mapError { PipelinedHolisticError.frame(index: index, reason: $0) })
                onFrameDone?()
            }
        }
    }

    /// Waits for every submitted frame and returns those not yet returned, in order; the pipeline is
    /// closed afterwards. Throws the first failed frame's error.
    public func finish() throws -> [Output] {
        defer { close() }
        return try shared.drain()
    }

    /// Stops the work still queued (frames not started are dropped) and waits for the running stages.
    /// Idempotent.
    public func close() {
        shared.cancel()
        shared.waitUntilIdle(closing: true)
        // A frame's blocks are released after they signal completion; wait for both queues to be past
        // them so no image or model reference outlives close.
        poseQueue.sync {}
        dependentsQueue.sync {}
    }
}

/// The state both stage threads and the submitting thread share, under one condition variable.
private final class Shared: @unchecked Sendable {
    private let condition = NSCondition()
    /// A failed frame stops nothing (see `PipelinedHolistic.init`).
    private let continuesAfterFailure: Bool
    private var inFlight = 0
    private var done: [Result<PipelinedHolistic.Output, PipelinedHolisticError>] = []
    /// Stage 1 skips its frames: a pose failed (later poses would track from its half-updated state), a
    /// frame failed, or the pipeline was closed.
    private var posesStopped = false
    /// Stage 2 skips its frames: an earlier frame failed (its output is thrown away), or closed.
    private var dependentsStopped = false
    /// The caller already got the pipeline's failure (or closed it): later calls say `closed`.
    private var isClosed = false

    init(continuesAfterFailure: Bool) { self.continuesAfterFailure = continuesAfterFailure }

    var skipsPose: Bool {
        condition.lock()
        defer { condition.unlock() }
        return posesStopped
    }

    var skipsDependents: Bool {
        condition.lock()
        defer { condition.unlock() }
        return dependentsStopped
    }

    /// Stage 1 only: frames already past it still finish, so the frames before a failed pose come out.
    func poseFailed() {
        guard !continuesAfterFailure else { return }
        condition.lock()
        posesStopped = true
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        posesStopped = true
        dependentsStopped = true
        condition.unlock()
    }

    /// Waits for a free slot, takes one, and hands back what finished (throwing the first failure).
    func takeAndReserve(maxInFlight: Int) throws -> [PipelinedHolistic.Output] {
        condition.lock()
        defer { condition.unlock() }
        guard !isClosed else { throw PipelinedHolisticError.closed }
        while inFlight >= maxInFlight && !hasFailure { condition.wait() }
        let ready = try takeDone()
        inFlight += 1
        return ready
    }

    /// Waits for a free slot and takes it; results stay where they are.
    func reserve(maxInFlight: Int) throws(PipelinedHolisticError) {
        condition.lock()
        defer { condition.unlock() }
        guard !isClosed else { throw .closed }
        while inFlight >= maxInFlight { condition.wait() }
        inFlight += 1
    }

    /// Waits until at most `limit` frames are in flight and takes every result, failures included.
    func takeResults(leavingInFlight limit: Int) -> [Result<PipelinedHolistic.Output, PipelinedHolisticError>] {
        condition.lock()
        defer { condition.unlock() }
        while inFlight > limit { condition.wait() }
        let taken = done
        done.removeAll(keepingCapacity: true)
        return taken
    }

    func complete(_ output: Result<PipelinedHolistic.Output, PipelinedHolisticError>) {
        condition.lock()
        done.append(output)
        inFlight -= 1
        if case .failure = output, !continuesAfterFailure {
            posesStopped = true
            dependentsStopped = true
        }
        condition.broadcast()
        condition.unlock()
    }

    func drain() throws -> [PipelinedHolistic.Output] {
        condition.lock()
        defer { condition.unlock() }
        guard !isClosed else { throw PipelinedHolisticError.closed }
        while inFlight > 0 { condition.wait() }
        let ready = try takeDone()
        isClosed = true
        return ready
    }

    /// `closing`: later calls say `closed` and untaken results are dropped; otherwise they stay.
    func waitUntilIdle(closing: Bool) {
        condition.lock()
        while inFlight > 0 { condition.wait() }
        if closing {
            isClosed = true
            done.removeAll()
        }
        condition.unlock()
    }

    private var hasFailure: Bool {
        done.contains { if case .failure = $0 { true } else { false } }
    }

    /// Caller holds the lock. Frames finish in order, so the first failure is the earliest failed frame.
    private func takeDone() throws -> [PipelinedHolistic.Output] {
        let taken = done
        done.removeAll()
        var outputs: [PipelinedHolistic.Output] = []
        outputs.reserveCapacity(taken.count)
        for result in taken {
            switch result {
            case let .success(output): outputs.append(output)
            case let .failure(error):
                posesStopped = true
                dependentsStopped = true
                isClosed = true
                throw error
            }
        }
        return outputs
    }
}
