import Foundation
import SigndLiteRT

/// Which of the person's hands (named from the pose, not from the handedness output).
public enum HandSide: Int, Sendable, CaseIterable {
    case left = 0   // pose 15 (wrist), 17 (pinky), 19 (index)
    case right = 1  // pose 16, 18, 20

    var wrist: Int { self == .left ? 15 : 16 }
    var pinky: Int { self == .left ? 17 : 18 }
    var index: Int { self == .left ? 19 : 20 }
}

/// One hand of Holistic (docs/holistic.md §10 step 3), with its own model instances so both hands can run at once.
final class HandStage {
    let side: HandSide
    private let recropModel: LiteRtModel
    private let landmarkModel: LiteRtModel
    private var previousLandmarks: [Landmark]?
    private var previousRect: NormRect?

    struct Result {
        var landmarks: [Landmark]?   // 21 landmarks when present
        var roi: NormRect?            // ROI the landmark model ran on
        var trackedFromPrevious = false  // RoiTracking kept the previous-landmarks ROI
    }

    private let rectFromAll21: Bool

    init(side: HandSide, recrop: LiteRtModel, landmarks: LiteRtModel, rectFromAll21: Bool = false) {
        self.side = side
        self.rectFromAll21 = rectFromAll21
        recropModel = recrop
        landmarkModel = landmarks
    }

    func reset() {
        previousLandmarks = nil
        previousRect = nil
    }

    /// `pose` is nil when the pose is absent this frame.
    func process(_ frame: BGRFrameView, pose: [Landmark]?) throws -> Result {
        let size = frame.size
        guard let pose, pose[side.wrist].visibility >= 0.1 else {
            reset()
            return Result(landmarks: nil, roi: nil)
        }
        let recrop = try recropRect(frame, from: roiFromPose(pose, size: size))
        let roi = RoiTracking.hands.choose(recrop: recrop, previousRect: previousRect,
                                           previousLandmarks: previousLandmarks, size: size)
        let tracked = previousRect != nil && roi == previousRect

        var pixelRoi = PixelRect(roi, in: size)
        let padding = Letterbox.padRoi(&pixelRoi, tensorWidth: 224, tensorHeight: 224, keepAspectRatio: true)
        let (raw, presence) = try landmarkModel.exclusively {
            try landmarkModel.run(cropping: frame, roi: pixelRoi, side: 224, zeroBorder: false, range: .unit,
                                  model: .handLandmarkFull)
            return (try landmarkModel.outputValues(0, count: 63, model: .handLandmarkFull),
                    try landmarkModel.outputValues(1, count: 1, model: .handLandmarkFull)[0])
        }
        guard presence >= 0.5 else {
            reset()
            return Result(landmarks: nil, roi: roi, trackedFromPrevious: tracked)
        }
        var lm = LandmarkDecoding.decode(raw, count: 21, inputWidth: 224, inputHeight: 224, normalizeZ: 0.4)
        Letterbox.removeFromLandmarks(&lm, padding: padding)
        LandmarkDecoding.project(&lm, onto: roi)
        previousLandmarks = lm
        let rect = RectBuilders.handLandmarksToRect(lm, size: size, subsetting: !rectFromAll21)
        previousRect = RectBuilders.transform(rect, size: size,
                                              scaleX: 2, scaleY: 2, shiftY: -0.1, squareLong: true)
        return Result(landmarks: lm, roi: roi, trackedFromPrevious: tracked)
    }

    /// The hand_recrop input ROI from the pose's wrist, pinky and index: scale 2.7, shift −0.1, square_long.
    func roiFromPose(_ pose: [Landmark], size: ImageSize) -> NormRect {
        let p = { (i: Int) in Point2(x: pose[i].x, y: pose[i].y) }
        return RectBuilders.transform(
            RectBuilders.handRectFromPose(wrist: p(side.wrist), pinky: p(side.pinky), index: p(side.index), size: size),
            size: size, scaleX: 2.7, scaleY: 2.7, shiftY: -0.1, squareLong: true)
    }

    /// hand_recrop on the pose-based ROI → two points → AlignmentPoints (target −90°), shift −0.1, square_long.
    func recropRect(_ frame: BGRFrameView, from roi: NormRect) throws -> NormRect {
        let size = frame.size
        var pixelRoi = PixelRect(roi, in: size)
        let padding = Letterbox.padRoi(&pixelRoi, tensorWidth: 256, tensorHeight: 256, keepAspectRatio: true)
        let raw = try recropModel.exclusively {
            try recropModel.run(cropping: frame, roi: pixelRoi, side: 256, zeroBorder: false, range: .unit,
                                model: .handRecrop)
            return try recropModel.outputValues(0, count: 4, model: .handRecrop)
        }
        var pts = LandmarkDecoding.decode(raw, count: 2, inputWidth: 256, inputHeight: 256)
        Letterbox.removeFromLandmarks(&pts, padding: padding)
        LandmarkDecoding.project(&pts, onto: roi)
        let rect = RectBuilders.alignmentPointsRect(p0: Point2(x: pts[0].x, y: pts[0].y),
                                                    p1: Point2(x: pts[1].x, y: pts[1].y),
                                                    targetAngle: -halfPi, size: size)
        return RectBuilders.transform(rect, size: size, shiftY: -0.1, squareLong: true)
    }
}
