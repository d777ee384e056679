import Foundation
import SigndLiteRT

/// Pose part of Holistic (docs/holistic.md §10 steps 1–2): detector only when tracking is lost, landmarks
/// from the rotated ROI, heatmap refinement, smoothing, next-frame ROI from the smoothed auxiliary landmarks.
final class PoseStage {
    private let detector: LiteRtModel
    private let landmarker: LiteRtModel
    /// Where the landmark model's landmarks, presence flag and heatmap are among its outputs.
    private let outputIndex: (landmarks: Int, flag: Int, heatmap: Int)
    private let decoder: DetectionDecoder
    /// MediaPipe's min_tracking_confidence: the pose landmark model's presence flag below it loses tracking.
    private let minTrackingConfidence: Float

    private var visibility = VisibilitySmoother(alpha: 0.1)
    private var smoother = LandmarksSmoother(minCutoff: 0.05, beta: 80, derivateCutoff: 1)
    private var auxVisibility = VisibilitySmoother(alpha: 0.1)
    private var auxSmoother = LandmarksSmoother(minCutoff: 0.01, beta: 10, derivateCutoff: 1)
    /// The ROI from the previous frame's smoothed aux landmarks (nil when tracking is lost).
    private(set) var trackingRoi: NormRect?

    struct Result {
        var landmarks: [Landmark]?   // 33 smoothed landmarks when the pose is present
        var roi: NormRect?            // ROI the landmark model ran on
        var ranDetector: Bool
    }

    private let smoothLandmarks: Bool

    /// `minDetectionConfidence` and `minTrackingConfidence` are Holistic's two thresholds (both on the pose:
    /// MediaPipe's holistic solution passes them to the pose detector and the pose landmark flag only).
    init(detector: LiteRtModel, landmarker: LiteRtModel, smoothLandmarks: Bool = true,
         minDetectionConfidence: Float = 0.5, minTrackingConfidence: Float = 0.5) {
        self.detector = detector
        self.landmarker = landmarker
        // By name: the stages load the model with only the outputs they read (HolisticModel.outputsRead), tests
        // sometimes the whole file; a missing name gives -1, which outputValues reports as out of range.
        func index(_ name: String) -> Int { landmarker.outputIndex(named: name) ?? -1 }
        outputIndex = (index("Identity"), index("Identity_1"), index("Identity_3"))
        self.smoothLandmarks = smoothLandmarks
        var decoder = DetectionDecoder.pose
        decoder.minScore = minDetectionConfidence
        self.decoder = decoder
        self.minTrackingConfidence = minTrackingConfidence
    }

    func reset() {
        trackingRoi = nil
        resetFilters()
    }

    private func resetFilters() {
        visibility.reset()
        smoother.reset()
        auxVisibility.reset()
        auxSmoother.reset()
    }

    func process(_ frame: BGRFrameView, timestampMicros: Int64) throws -> Result {
        let size = frame.size
        var ranDetector = false
        let roi: NormRect
        if let tracked = trackingRoi {
            roi = tracked
        } else {
            ranDetector = true
            guard let detected = try detect(frame) else {
                lose()
                return Result(landmarks: nil, roi: nil, ranDetector: true)
            }
            roi = detected
        }

        var pixelRoi = PixelRect(roi, in: size)
        let padding = Letterbox.padRoi(&pixelRoi, tensorWidth: 256, tensorHeight: 256, keepAspectRatio: true)
        let outputs = try landmarker.exclusively { () throws -> (raw: [Float], heatmap: [Float])? in
            try landmarker.run(cropping: frame, roi: pixelRoi, side: 256, zeroBorder: false, range: .unit,
                               model: .poseLandmarkFull)
            let flag = try landmarker.outputValues(outputIndex.flag, count: 1, model: .poseLandmarkFull)[0]
            guard flag >= minTrackingConfidence else { return nil }
            return (try landmarker.outputValues(outputIndex.landmarks, count: 195, model: .poseLandmarkFull),
                    try landmarker.outputValues(outputIndex.heatmap, count: 64 * 64 * 39, model: .poseLandmarkFull))
        }
        guard let (raw, heatmap) = outputs else {
            lose()
            return Result(landmarks: nil, roi: roi, ranDetector: ranDetector)
        }

        var all = LandmarkDecoding.decode(raw, count: 39, inputWidth: 256, inputHeight: 256)
        LandmarkDecoding.refineFromHeatmap(&all, heatmap: heatmap, height: 64, width: 64, channels: 39)
        Letterbox.removeFromLandmarks(&all, padding: padding)
        LandmarkDecoding.project(&all, onto: roi)

        let pose = Array(all[0..<33])
        let aux = Array(all[33..<35])
        // Object scale for smoothing: the un-scaled alignment rect of this frame's (raw) aux landmarks.
        let scaleRect = RectBuilders.alignmentPointsRect(
            p0: Point2(x: aux[0].x, y: aux[0].y), p1: Point2(x: aux[1].x, y: aux[1].y),
            targetAngle: halfPi, size: size)
        let objectScale = (scaleRect.width * size.w + scaleRect.height * size.h) / 2

        let smoothedPose = smoothLandmarks
            ? smoother.apply(visibility.apply(pose), size: size, objectScale: objectScale,
                             timestampMicros: timestampMicros)
            : pose
        let smoothedAux = auxSmoother.apply(auxVisibility.apply(aux), size: size, objectScale: objectScale,
                                            timestampMicros: timestampMicros)
        trackingRoi = Self.roiFromAux(smoothedAux, size: size)
        return Result(landmarks: smoothedPose, roi: roi, ranDetector: ranDetector)
    }

    private func lose() {
        trackingRoi = nil
        resetFilters()
    }

    /// Next-frame ROI: AlignmentPoints 33 → 34 (target 90°), scale 1.25, square_long.
    static func roiFromAux(_ aux: [Landmark], size: ImageSize) -> NormRect {
        let rect = RectBuilders.alignmentPointsRect(
            p0: Point2(x: aux[0].x, y: aux[0].y), p1: Point2(x: aux[1].x, y: aux[1].y),
            targetAngle: halfPi, size: size)
        return RectBuilders.transform(rect, size: size, scaleX: 1.25, scaleY: 1.25, squareLong: true)
    }

    /// Whole-image letterboxed detection → best detection → pose ROI, or nil when nobody is found.
    private func detect(_ frame: BGRFrameView) throws -> NormRect? {
        let size = frame.size
        var roi = PixelRect(nil, in: size)
        let padding = Letterbox.padRoi(&roi, tensorWidth: 224, tensorHeight: 224, keepAspectRatio: true)
        let (boxes, scores) = try detector.exclusively {
            try detector.run(cropping: frame, roi: roi, side: 224, zeroBorder: true, range: .signed, model: .poseDetection)
            return (try detector.outputValues(0, count: 2254 * 12, model: .poseDetection),
                    try detector.outputValues(1, count: 2254, model: .poseDetection))
        }
        let detections = try decoder.decode(boxes: boxes, scores: scores)
        guard let best = WeightedNMS.apply(detections, iouThreshold: 0.3).first else { return nil }
        return Self.roiFromDetection(Letterbox.removeFromDetection(best, padding: padding), size: size)
    }

    /// Pose ROI from a detection: AlignmentPoints keypoint 0 → 1 (target 90°), scale 1.25, square_long.
    static func roiFromDetection(_ d: Detection, size: ImageSize) -> NormRect {
        let rect = RectBuilders.alignmentPointsRect(p0: d.keypoints[0], p1: d.keypoints[1], targetAngle: halfPi,
                                                    size: size)
        return RectBuilders.transform(rect, size: size, scaleX: 1.25, scaleY: 1.25, squareLong: true)
    }
}
