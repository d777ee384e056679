import CSigndOpenCV
import Dispatch
import Foundation
import SigndCapture
import SigndCore
import SigndLiteRT

/// Options of the Holistic pipeline.
public struct HolisticOptions: Sendable, Hashable {
    /// Run face detection + face landmarks (off by default; face output is nil when off).
    public var face: Bool
    /// MediaPipe's `refine_face_landmarks`: the face model with attention, 478 points (iris included)
    /// instead of 468. Only with `face`.
    public var refineFace = false
    /// Points of each face this pipeline returns (nil without a face stage).
    public var faceJoints: Int? {
        face ? HolisticLandmarks.faceJoints(refined: refineFace) : nil
    }
    /// XNNPACK threads per model instance. 1 keeps each model on its caller's thread, so the two hands
    /// can use both cores.
    public var threadsPerModel: Int
    /// XNNPACK threads for the two pose models (nil: `threadsPerModel`). In PipelinedHolistic the pose runs
    /// on its own thread beside the hands, so this is the knob that could use a spare core there.
    public var poseThreads: Int?
    /// Run the left and right hand stages concurrently (two threads).
    public var concurrentHands: Bool
    /// Smooth the pose landmarks (MediaPipe's `smooth_landmarks`; the auxiliary ROI landmarks are
    /// always smoothed, as in MediaPipe).
    public var smoothLandmarks: Bool
    /// MediaPipe's `min_detection_confidence` (the pose detector's minimum score).
    public var minDetectionConfidence: Float = 0.5
    /// MediaPipe's `min_tracking_confidence` (below it the pose is detected again on the next frame).
    public var minTrackingConfidence: Float = 0.5
    /// OpenCV worker threads for the whole process (nil leaves OpenCV's setting alone). 1 by default:
    /// measured on 2 cores, OpenCV's own threading of the small crops raised the median frame time from
    /// ≈ 27 to ≈ 46 ms.
    public var openCVThreads: Int?
    /// Testing only: HandLandmarksToRect on all 21 landmarks without the palm subset (the older calculator
    /// that docs/holistic.md §7.2 describes), to show that it worsens agreement with MediaPipe 0.10.21.
    var handRectFromAll21 = false

    public init(face: Bool = false, threadsPerModel: Int = 1, concurrentHands: Bool = true,
                smoothLandmarks: Bool = true, openCVThreads: Int? = 1, poseThreads: Int? = nil) {
        self.face = face
        self.threadsPerModel = threadsPerModel
        self.poseThreads = poseThreads
        self.concurrentHands = concurrentHands
        self.smoothLandmarks = smoothLandmarks
        self.openCVThreads = openCVThreads
    }
}

/// What the pipeline did on the last frame (for overlays and diagnostics).
public struct HolisticFrameInfo: Sendable {
    public var poseRoi: NormRect?
    public var leftHandRoi: NormRect?
    public var rightHandRoi: NormRect?
    public var faceRoi: NormRect?
    public var ranPoseDetector: Bool
    /// Per hand (left, right): the ROI came from the previous frame's landmarks, not the re-crop.
    public var handTrackedFromPrevious: [Bool] = [false, false]
    /// Wall time of each stage on this frame, milliseconds (pose includes the detector when it ran).
    public var poseMillis: Double = 0
    public var handsMillis: Double = 0
    public var faceMillis: Double = 0
    public init() {
        ranPoseDetector = false
    }
}

/// MediaPipe Holistic (model_complexity 1, video mode, smoothing on) in Swift. Call `process` once per
/// frame with increasing timestamps; `reset` forgets all tracking. Thread-safe (calls are serialized).
/// A frame is two halves, `processPose` then `processDependents`, which PipelinedHolistic overlaps across
/// frames; `process` runs both in turn (the daemon's lowest-latency path).
public final class HolisticTracker: @unchecked Sendable {
    public let options: HolisticOptions
    /// Serializes the public calls; `poseLock` and `dependentsLock` guard the two halves of a frame, which
    /// PipelinedHolistic runs on two threads (taken after `lock`, and never one inside the other).
    private let lock = NSLock()
    private let poseLock = NSLock()
    private let dependentsLock = NSLock()
    /// The interpreters, maybe shared with other trackers. Each model holds the LiteRT runtime, so the
    /// library outlives every model whatever order they go in.
    private let models: HolisticModels
    private var stages: Stages!
    private var info = HolisticFrameInfo()
    /// Frame size each half last ran on (a change restarts that half's tracking).
    private var poseSize: ImageSize?
    private var dependentsSize: ImageSize?

    private final class Stages {
        let pose: PoseStage
        let hands: [HandStage]
        let face: FaceStage?
        init(pose: PoseStage, hands: [HandStage], face: FaceStage?) {
            self.pose = pose
            self.hands = hands
            self.face = face
        }
    }
    private var pose: PoseStage { stages.pose }
    private var hands: [HandStage] { stages.hands }
    private var face: FaceStage? { stages.face }

    /// Frames larger than this on either side are rejected (OpenCV's warp uses 16-bit coordinates).
    public static let maxFrameSide = 16384

    /// Loads the runtime and the pinned models from `modelsDirectory` (`litert/libLiteRt.so`,
    /// `mediapipe/*.tflite`) for this tracker alone (`HolisticModels.init`, same errors); two instances of
    /// each hand model are created so the hands can run concurrently.
    public convenience init(modelsDirectory: URL, options: HolisticOptions = HolisticOptions(),
                            verifyChecksums: Bool = true) throws {
        try self.init(models: HolisticModels(modelsDirectory: modelsDirectory, options: options, verifyChecksums: verifyChecksums),
                      options: options)
    }

    /// A tracker on loaded models that other trackers may share (one per camera); its tracking state is its
    /// own. `options` must ask for the models the set was loaded with (face, refinement, threads).
    public init(models: HolisticModels, options: HolisticOptions) throws {
        guard models.serves(options) else {
            throw HolisticError.modelLoad(model: "holistic", path: "", reason: "the shared models were loaded for other options (face, refine_face or threads)")
        }
        self.options = options
        self.models = models
        if let threads = options.openCVThreads { signd_image_set_opencv_threads(Int32(max(1, threads))) }
        stages = Stages(
            pose: PoseStage(detector: models.poseDetection, landmarker: models.poseLandmark,
                            smoothLandmarks: options.smoothLandmarks,
                            minDetectionConfidence: options.minDetectionConfidence,
                            minTrackingConfidence: options.minTrackingConfidence),
            hands: zip(HandSide.allCases, models.hands).map { side, pair in
                HandStage(side: side, recrop: pair.recrop, landmarks: pair.landmarks, rectFromAll21: options.handRectFromAll21)
            },
            face: try models.face.map { try FaceStage(detector: $0.detector, landmarker: $0.landmarker, refine: options.refineFace) })
    }

    deinit {
        stages = nil
    }

    /// Runs the pipeline on a captured frame (see `process(frame:timestampMicros:)`).
    public func process(image: BGRImage, timestampMicros: Int64) throws -> HolisticLandmarks {
        try withExtendedLifetime(image) { try process(frame: BGRFrameView(image), timestampMicros: timestampMicros) }
    }

    /// The last frame's ROIs.
    public var lastFrameInfo: HolisticFrameInfo {
        lock.lock()
        defer { lock.unlock() }
        return info
    }

    public func reset() {
        lock.lock()
        defer { lock.unlock() }
        resetStages()
        info = HolisticFrameInfo()
    }

    private func resetStages() {
        poseLock.lock()
        pose.reset()
        poseLock.unlock()
        dependentsLock.lock()
        resetDependents()
        dependentsLock.unlock()
    }

    /// Hands and face; the caller holds `dependentsLock`.
    private func resetDependents() {
        hands.forEach { $0.reset() }
        face?.reset()
    }

    /// Runs the pipeline on one BGR frame. No person → all parts NaN. Throws `HolisticError` for an
    /// invalid frame or a failing model.
    public func process(frame: BGRFrameView, timestampMicros: Int64) throws -> HolisticLandmarks {
        lock.lock()
        defer { lock.unlock() }
        let pose = try processPose(frame, timestampMicros: timestampMicros)
        let (result, frameInfo) = try processDependents(frame, pose: pose)
        info = frameInfo
        return result
    }

    /// The pose part of one frame, handed to `processDependents` for the same frame.
    struct PoseOutcome: Sendable {
        var result: PoseStage.Result
        var millis: Double
    }

    /// Stage 1 of a frame: pose detector (when tracking is lost) and pose landmarks. Touches only the pose
    /// stage, so it may run for frame t+1 while `processDependents` runs for frame t on another thread
    /// (PipelinedHolistic); calls must come in frame order. Not serialized by `lock`, only by `poseLock`.
    func processPose(_ frame: BGRFrameView, timestampMicros: Int64) throws -> PoseOutcome {
        try Self.validate(frame)
        poseLock.lock()
        defer { poseLock.unlock() }
        // Tracking state and the pixel-space filters belong to one frame size (a reconnecting source may
        // come back with another): start over when it changes. The dependents check on their own.
        if let poseSize, poseSize != frame.size { pose.reset() }
        poseSize = frame.size
        let t0 = Clock.monotonicNanos()
        let result = try pose.process(frame, timestampMicros: timestampMicros)
        return PoseOutcome(result: result, millis: Double(Clock.monotonicNanos() - t0) / 1e6)
    }

    /// Stage 2 of a frame: both hands and the face (when enabled) from this frame's pose, then the frame's
    /// landmarks and info. Touches only the hand and face stages (serialized by `dependentsLock`).
    func processDependents(_ frame: BGRFrameView, pose outcome: PoseOutcome) throws
        -> (HolisticLandmarks, HolisticFrameInfo) {
        dependentsLock.lock()
        defer { dependentsLock.unlock() }
        if let dependentsSize, dependentsSize != frame.size { resetDependents() }
        dependentsSize = frame.size
        let poseResult = outcome.result
        var result = HolisticLandmarks.empty(faceJoints: options.faceJoints)
        var frameInfo = HolisticFrameInfo()
        frameInfo.poseMillis = outcome.millis
        frameInfo.ranPoseDetector = poseResult.ranDetector
        frameInfo.poseRoi = poseResult.roi
        if let lm = poseResult.landmarks {
            for (i, l) in lm.enumerated() {
                result.pose[i * 4] = l.x
                result.pose[i * 4 + 1] = l.y
                result.pose[i * 4 + 2] = l.z
                result.pose[i * 4 + 3] = l.visibility
            }
        }

        let t1 = Clock.monotonicNanos()
        let handResults = try runHands(frame, pose: poseResult.landmarks)
        let t2 = Clock.monotonicNanos()
        frameInfo.handsMillis = Double(t2 - t1) / 1e6
        frameInfo.leftHandRoi = handResults[0].roi
        frameInfo.rightHandRoi = handResults[1].roi
        frameInfo.handTrackedFromPrevious = handResults.map(\.trackedFromPrevious)
        if let lm = handResults[0].landmarks { result.leftHand = Self.flatten(lm) }
        if let lm = handResults[1].landmarks { result.rightHand = Self.flatten(lm) }

        if let face {
            let faceResult = try face.process(frame, pose: poseResult.landmarks)
            frameInfo.faceRoi = faceResult.roi
            if let lm = faceResult.landmarks { result.face = Self.flatten(lm) }
            frameInfo.faceMillis = Double(Clock.monotonicNanos() - t2) / 1e6
        }
        return (result, frameInfo)
    }

    private func runHands(_ frame: BGRFrameView, pose: [Landmark]?) throws -> [HandStage.Result] {
        guard options.concurrentHands, pose != nil else {
            return try hands.map { try $0.process(frame, pose: pose) }
        }
        // Each stage owns its models and state, so the two iterations share nothing mutable but `slots`,
        // where each writes only its own element.
        let slots = ResultSlots(count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            slots.set(i, Result { try hands[i].process(frame, pose: pose) })
        }
        return try slots.values.map { try $0!.get() }
    }

    static func flatten(_ lm: [Landmark]) -> [Float] {
        var out = [Float](repeating: 0, count: lm.count * 3)
        for (i, l) in lm.enumerated() {
            out[i * 3] = l.x
            out[i * 3 + 1] = l.y
            out[i * 3 + 2] = l.z
        }
        return out
    }

    static func validate(_ f: BGRFrameView) throws {
        if f.width < 1 || f.height < 1 {
            throw HolisticError.invalidFrame(width: f.width, height: f.height, stride: f.stride, reason: "empty frame")
        }
        if f.width > maxFrameSide || f.height > maxFrameSide {
            throw HolisticError.invalidFrame(width: f.width, height: f.height, stride: f.stride,
                                             reason: "a side exceeds \(maxFrameSide) pixels")
        }
        if f.stride < f.width * 3 {
            throw HolisticError.invalidFrame(width: f.width, height: f.height, stride: f.stride,
                                             reason: "stride is smaller than width·3")
        }
    }
}

/// Per-iteration result slots for concurrentPerform; each index is written by exactly one iteration.
private final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Result<HandStage.Result, Error>?]
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: Result<HandStage.Result, Error>) {
        lock.lock()
        storage[i] = value
        lock.unlock()
    }
    var values: [Result<HandStage.Result, Error>?] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
