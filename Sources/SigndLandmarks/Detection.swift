import Foundation

/// A decoded detector output: relative bounding box (normalized to the detector's input or, after
/// letterbox removal / projection, to the image), its score and keypoints.
public struct Detection: Sendable, Hashable {
    public var xmin: Float
    public var ymin: Float
    public var width: Float
    public var height: Float
    public var score: Float
    public var keypoints: [Point2]

    public init(xmin: Float, ymin: Float, width: Float, height: Float, score: Float, keypoints: [Point2]) {
        self.xmin = xmin
        self.ymin = ymin
        self.width = width
        self.height = height
        self.score = score
        self.keypoints = keypoints
    }
}

/// MediaPipe TensorsToDetectionsCalculator for Holistic's detectors: `reverse_output_order` (x, y, w, h),
/// all four scales equal to the input size, sigmoid scores with clipping ±100, minimum score 0.5.
public struct DetectionDecoder: Sendable {
    public var anchors: [Anchor]
    public var numCoords: Int
    public var numKeypoints: Int
    public var scale: Float
    public var scoreClip: Float = 100
    public var minScore: Float = 0.5

    public init(anchors: [Anchor], numCoords: Int, numKeypoints: Int, scale: Float) {
        self.anchors = anchors
        self.numCoords = numCoords
        self.numKeypoints = numKeypoints
        self.scale = scale
    }

    /// pose_detection: 2254 anchors × 12 coords (box + 4 keypoints), scale 224.
    public static let pose = DetectionDecoder(
        anchors: SsdAnchors.generate(.pose), numCoords: 12, numKeypoints: 4, scale: 224)
    /// face_detection_short_range: 896 anchors × 16 coords (box + 6 keypoints), scale 128.
    public static let faceShortRange = DetectionDecoder(
        anchors: SsdAnchors.generate(.faceShortRange), numCoords: 16, numKeypoints: 6, scale: 128)

    public enum DecodeError: Error, CustomStringConvertible {
        case shape(boxes: Int, scores: Int, expectedBoxes: Int, expectedScores: Int)
        public var description: String {
            switch self {
            case let .shape(b, s, eb, es):
                return "detector output has \(b) box values and \(s) scores; expected \(eb) and \(es)"
            }
        }
    }

    /// Decodes raw boxes [N, numCoords] and score logits [N, 1]; returns detections scoring ≥ minScore.
    public func decode(boxes: [Float], scores: [Float]) throws -> [Detection] {
        let n = anchors.count
        guard boxes.count == n * numCoords, scores.count == n else {
            throw DecodeError.shape(boxes: boxes.count, scores: scores.count,
                                    expectedBoxes: n * numCoords, expectedScores: n)
        }
        var out: [Detection] = []
        for i in 0..<n {
            var logit = scores[i]
            logit = min(max(logit, -scoreClip), scoreClip)
            let score = sigmoid(logit)
            guard score >= minScore else { continue }
            let a = anchors[i]
            let o = i * numCoords
            let xc = boxes[o] / scale * a.width + a.xCenter
            let yc = boxes[o + 1] / scale * a.height + a.yCenter
            let w = boxes[o + 2] / scale * a.width
            let h = boxes[o + 3] / scale * a.height
            // MediaPipe drops boxes with negative or NaN size.
            if w < 0 || h < 0 || w.isNaN || h.isNaN { continue }
            var keypoints: [Point2] = []
            keypoints.reserveCapacity(numKeypoints)
            for k in 0..<numKeypoints {
                let kx = boxes[o + 4 + 2 * k] / scale * a.width + a.xCenter
                let ky = boxes[o + 5 + 2 * k] / scale * a.height + a.yCenter
                keypoints.append(Point2(x: kx, y: ky))
            }
            let ymin = yc - h / 2, xmin = xc - w / 2, ymax = yc + h / 2, xmax = xc + w / 2
            out.append(Detection(xmin: xmin, ymin: ymin, width: xmax - xmin, height: ymax - ymin,
                                 score: score, keypoints: keypoints))
        }
        return out
    }
}
