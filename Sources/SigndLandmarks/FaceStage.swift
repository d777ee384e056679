import Foundation
import SigndLiteRT

/// Face part of Holistic (docs/holistic.md §10 step 4): ROI from pose 0–10, face detection inside it
/// every frame, re-crop rect, RoiTracking against the previous-landmarks ROI, then face_landmark (468
/// points) or, refined, face_landmark_with_attention (478 points, FaceRefinement).
final class FaceStage {
    private let detector: LiteRtModel
    private let landmarker: LiteRtModel
    private let decoder = DetectionDecoder.faceShortRange
    private let outputs: Outputs
    private var previousLandmarks: [Landmark]?
    private var previousRect: NormRect?

    struct Result {
        var landmarks: [Landmark]?   // 468 landmarks, or 478 refined, when present
        var roi: NormRect?
    }

    /// Where the landmarker's tensors are: face_landmark has the mesh at output 0 and the flag at 1; the
    /// attention model adds five refinement tensors, and its outputs are found by name (LiteRT's signature
    /// order need not be the file's). No parts: the plain mesh.
    private struct Outputs {
        let model: HolisticModel
        let mesh: Int
        let flag: Int
        let parts: [(part: FaceRefinement.Part, index: Int)]
        static let mesh = Outputs(model: .faceLandmark, mesh: 0, flag: 1, parts: [])
    }

    init(detector: LiteRtModel, landmarker: LiteRtModel, refine: Bool = false) throws {
        self.detector = detector
        self.landmarker = landmarker
        guard refine else {
            outputs = .mesh
            return
        }
        func index(_ name: String) throws -> Int {
            guard let i = landmarker.outputIndex(named: name) else {
                throw LiteRtError.outputMissing(model: landmarker.name, tensor: name,
                                                reason: "refined faces need face_landmark_with_attention")
            }
            return i
        }
        outputs = Outputs(model: .faceLandmarkWithAttention, mesh: try index(FaceRefinement.meshTensor),
                          flag: try index(FaceRefinement.flagTensor),
                          parts: try FaceRefinement.parts.map { ($0, try index($0.tensor)) })
    }

    func reset() {
        previousLandmarks = nil
        previousRect = nil
    }

    func process(_ frame: BGRFrameView, pose: [Landmark]?) throws -> Result {
        let size = frame.size
        guard let pose else {
            reset()
            return Result(landmarks: nil, roi: nil)
        }
        // Face ROI from pose 0–10: bounding box, rotation keypoint 5 → 2 (target 0°), scale 3, square_long.
        let poseFace = RectBuilders.landmarksToDetection(Array(pose[0...10]))
        let fromPose = RectBuilders.transform(
            RectBuilders.boxRect(poseFace, rotationFrom: 5, to: 2, targetAngle: 0, size: size),
            size: size, scaleX: 3, scaleY: 3, squareLong: true)
        guard let recrop = try recropRect(frame, from: fromPose) else {
            reset()
            return Result(landmarks: nil, roi: nil)
        }
        let roi = RoiTracking.face.choose(recrop: recrop, previousRect: previousRect,
                                          previousLandmarks: previousLandmarks, size: size)
        var pixelRoi = PixelRect(roi, in: size)
        let padding = Letterbox.padRoi(&pixelRoi, tensorWidth: 192, tensorHeight: 192, keepAspectRatio: false)
        guard var lm = try landmarks(in: frame, roi: pixelRoi) else {
            reset()
            return Result(landmarks: nil, roi: roi)
        }
        Letterbox.removeFromLandmarks(&lm, padding: padding)
        LandmarkDecoding.project(&lm, onto: roi)
        previousLandmarks = lm
        // Next-frame ROI: landmark bounding box, rotation 33 → 263 (target 0°), scale 1.5, square_long.
        previousRect = RectBuilders.transform(
            RectBuilders.boxRect(RectBuilders.landmarksToDetection(lm), rotationFrom: 33, to: 263, targetAngle: 0,
                                 size: size),
            size: size, scaleX: 1.5, scaleY: 1.5, squareLong: true)
        return Result(landmarks: lm, roi: roi)
    }

    /// The landmarker on the ROI: nil when its face flag is below 0.5, else the points in ROI-normalized
    /// coordinates (before letterbox removal and projection, where MediaPipe refines them).
    private func landmarks(in frame: BGRFrameView, roi: PixelRect) throws -> [Landmark]? {
        try landmarker.exclusively { try landmarksOfExclusiveModel(in: frame, roi: roi) }
    }

    /// `landmarks(in:roi:)` with the landmarker to itself (its run and reads are one use).
    private func landmarksOfExclusiveModel(in frame: BGRFrameView, roi: PixelRect) throws -> [Landmark]? {
        let model = outputs.model
        try landmarker.run(cropping: frame, roi: roi, side: 192, zeroBorder: false, range: .unit, model: model)
        guard sigmoid(try landmarker.outputValues(outputs.flag, count: 1, model: model)[0]) >= 0.5 else { return nil }
        let raw = try landmarker.outputValues(outputs.mesh, count: FaceRefinement.meshPoints * 3, model: model)
        var points = LandmarkDecoding.decode(raw, count: FaceRefinement.meshPoints, inputWidth: 192, inputHeight: 192)
        guard !outputs.parts.isEmpty else { return points }
        points += Array(repeating: Landmark(x: 0, y: 0), count: FaceRefinement.refinedPoints - FaceRefinement.meshPoints)
        for (part, index) in outputs.parts {
            let values = try landmarker.outputValues(index, count: part.mapping.count * 2, model: model)
            let refined = LandmarkDecoding.decode(values, count: part.mapping.count, inputWidth: 192, inputHeight: 192)
            FaceRefinement.apply(part, points: refined, to: &points)
        }
        return points
    }

    /// Face detection in the pose-derived ROI → first detection projected back → USE_KEYPOINTS rect,
    /// rotation eyes kp0 → kp1 (target 0°), scale 2, shift −0.1, square_long.
    private func recropRect(_ frame: BGRFrameView, from roi: NormRect) throws -> NormRect? {
        let size = frame.size
        var pixelRoi = PixelRect(roi, in: size)
        _ = Letterbox.padRoi(&pixelRoi, tensorWidth: 128, tensorHeight: 128, keepAspectRatio: true)
        let (boxes, scores) = try detector.exclusively {
            try detector.run(cropping: frame, roi: pixelRoi, side: 128, zeroBorder: true, range: .signed,
                             model: .faceDetectionShortRange)
            return (try detector.outputValues(0, count: 896 * 16, model: .faceDetectionShortRange),
                    try detector.outputValues(1, count: 896, model: .faceDetectionShortRange))
        }
        guard var best = WeightedNMS.apply(try decoder.decode(boxes: boxes, scores: scores), iouThreshold: 0.3).first
        else { return nil }
        best.keypoints = best.keypoints.map { LandmarkDecoding.projectPoint($0, through: pixelRoi, size: size) }
        let rect = RectBuilders.keypointRect(best, rotationFrom: 0, to: 1, targetAngle: 0, size: size)
        return RectBuilders.transform(rect, size: size, scaleX: 2, scaleY: 2, shiftY: -0.1, squareLong: true)
    }
}
