/// Letterbox padding fractions of a tensor (left, top, right, bottom), as MediaPipe's ImageToTensor reports.
public struct LetterboxPadding: Sendable, Hashable {
    public var left: Float
    public var top: Float
    public var right: Float
    public var bottom: Float
    public static let zero = LetterboxPadding(left: 0, top: 0, right: 0, bottom: 0)
}

/// A region of interest in pixels, as ImageToTensor crops it.
public struct PixelRect: Sendable, Hashable {
    public var centerX: Float
    public var centerY: Float
    public var width: Float
    public var height: Float
    public var rotation: Float

    /// The ROI of `rect` (or the whole image when nil) in pixels.
    public init(_ rect: NormRect?, in size: ImageSize) {
        if let rect {
            centerX = rect.xCenter * size.w
            centerY = rect.yCenter * size.h
            width = rect.width * size.w
            height = rect.height * size.h
            rotation = rect.rotation
        } else {
            centerX = 0.5 * size.w
            centerY = 0.5 * size.h
            width = size.w
            height = size.h
            rotation = 0
        }
    }
}

public enum Letterbox {
    /// MediaPipe PadRoi: with keep-aspect, grows the ROI along one axis to the tensor's aspect ratio and
    /// returns the padding fractions; without it the ROI is unchanged and the padding is zero.
    public static func padRoi(_ roi: inout PixelRect, tensorWidth: Int, tensorHeight: Int,
                              keepAspectRatio: Bool) -> LetterboxPadding {
        guard keepAspectRatio else { return .zero }
        let tensorAspect = Float(tensorHeight) / Float(tensorWidth)
        let roiAspect = roi.height / roi.width
        var vertical: Float = 0, horizontal: Float = 0
        let newWidth: Float, newHeight: Float
        if tensorAspect > roiAspect {
            newWidth = roi.width
            newHeight = roi.width * tensorAspect
            vertical = (1 - roiAspect / tensorAspect) / 2
        } else {
            newWidth = roi.height / tensorAspect
            newHeight = roi.height
            horizontal = (1 - tensorAspect / roiAspect) / 2
        }
        roi.width = newWidth
        roi.height = newHeight
        return LetterboxPadding(left: horizontal, top: vertical, right: horizontal, bottom: vertical)
    }

    /// DetectionLetterboxRemovalCalculator: maps a detection from the padded tensor to the un-padded image.
    public static func removeFromDetection(_ d: Detection, padding p: LetterboxPadding) -> Detection {
        // 1 − (left + right), as MediaPipe groups it (1 − left − right can round differently).
        let sx = 1 - (p.left + p.right), sy = 1 - (p.top + p.bottom)
        var out = d
        out.xmin = (d.xmin - p.left) / sx
        out.ymin = (d.ymin - p.top) / sy
        out.width = d.width / sx
        out.height = d.height / sy
        out.keypoints = d.keypoints.map { Point2(x: ($0.x - p.left) / sx, y: ($0.y - p.top) / sy) }
        return out
    }

    /// LandmarkLetterboxRemovalCalculator: x, y un-padded; z scaled like x.
    public static func removeFromLandmarks(_ landmarks: inout [Landmark], padding p: LetterboxPadding) {
        // 1 − (left + right), as MediaPipe groups it (1 − left − right can round differently).
        let sx = 1 - (p.left + p.right), sy = 1 - (p.top + p.bottom)
        for i in landmarks.indices {
            landmarks[i].x = (landmarks[i].x - p.left) / sx
            landmarks[i].y = (landmarks[i].y - p.top) / sy
            landmarks[i].z = landmarks[i].z / sx
        }
    }
}
