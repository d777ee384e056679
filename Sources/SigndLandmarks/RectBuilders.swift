import Foundation

/// The ROI building blocks of MediaPipe's Holistic graph (docs/holistic.md §7.1–7.2), each a pure function.
public enum RectBuilders {
    /// DetectionsToRects/AlignmentPoints rotation: θ = normalize(target − atan2(−(y1−y0), x1−x0)), in pixels.
    public static func rotation(from p0: Point2, to p1: Point2, targetAngle: Float, size: ImageSize) -> Float {
        let x0 = p0.x * size.w, y0 = p0.y * size.h
        let x1 = p1.x * size.w, y1 = p1.y * size.h
        return normalizeRadians(targetAngle - atan2f(-(y1 - y0), x1 - x0))
    }

    /// AlignmentPointsRectsCalculator: centre p0, side 2·|p1 − p0| in pixels, rotation p0 → p1.
    public static func alignmentPointsRect(p0: Point2, p1: Point2, targetAngle: Float, size: ImageSize) -> NormRect {
        let xc = p0.x * size.w, yc = p0.y * size.h
        let xs = p1.x * size.w, ys = p1.y * size.h
        let box = sqrtf((xs - xc) * (xs - xc) + (ys - yc) * (ys - yc)) * 2
        return NormRect(xCenter: xc / size.w, yCenter: yc / size.h, width: box / size.w, height: box / size.h,
                        rotation: rotation(from: p0, to: p1, targetAngle: targetAngle, size: size))
    }

    /// RectTransformationCalculator: shift (rotated when the rect is), optional square_long, then scale.
    public static func transform(_ rect: NormRect, size: ImageSize, scaleX: Float = 1, scaleY: Float = 1,
                                 shiftX: Float = 0, shiftY: Float = 0, squareLong: Bool) -> NormRect {
        var r = rect
        let width = r.width, height = r.height, rotation = r.rotation
        if rotation == 0 {
            r.xCenter += width * shiftX
            r.yCenter += height * shiftY
        } else {
            let dx = (size.w * width * shiftX * cosf(rotation) - size.h * height * shiftY * sinf(rotation)) / size.w
            let dy = (size.w * width * shiftX * sinf(rotation) + size.h * height * shiftY * cosf(rotation)) / size.h
            r.xCenter += dx
            r.yCenter += dy
        }
        var w = width, h = height
        if squareLong {
            let longSide = max(width * size.w, height * size.h)
            w = longSide / size.w
            h = longSide / size.h
        }
        r.width = w * scaleX
        r.height = h * scaleY
        return r
    }

    /// LandmarksToDetectionCalculator: bounding box of the landmarks, keypoints = landmarks. The maxima start
    /// at `numeric_limits<float>::min()` (the smallest positive float), as in MediaPipe: when every landmark
    /// lies left of (or above) the image, the box's far edge stays at ≈ 0.
    public static func landmarksToDetection(_ landmarks: [Landmark]) -> Detection {
        var x0 = Float.greatestFiniteMagnitude, y0 = Float.greatestFiniteMagnitude
        var x1 = Float.leastNormalMagnitude, y1 = Float.leastNormalMagnitude
        for l in landmarks {
            x0 = min(x0, l.x); y0 = min(y0, l.y)
            x1 = max(x1, l.x); y1 = max(y1, l.y)
        }
        return Detection(xmin: x0, ymin: y0, width: x1 - x0, height: y1 - y0, score: 0,
                         keypoints: landmarks.map { Point2(x: $0.x, y: $0.y) })
    }

    /// DetectionsToRects (bounding-box mode) with a keypoint rotation.
    public static func boxRect(_ d: Detection, rotationFrom k0: Int, to k1: Int, targetAngle: Float,
                               size: ImageSize) -> NormRect {
        NormRect(xCenter: d.xmin + d.width / 2, yCenter: d.ymin + d.height / 2, width: d.width, height: d.height,
                 rotation: rotation(from: d.keypoints[k0], to: d.keypoints[k1], targetAngle: targetAngle, size: size))
    }

    /// DetectionsToRects `USE_KEYPOINTS`: box = keypoint extent, rotation k0 → k1.
    public static func keypointRect(_ d: Detection, rotationFrom k0: Int, to k1: Int, targetAngle: Float,
                                    size: ImageSize) -> NormRect {
        var x0 = Float.greatestFiniteMagnitude, y0 = Float.greatestFiniteMagnitude
        var x1 = -Float.greatestFiniteMagnitude, y1 = -Float.greatestFiniteMagnitude
        for k in d.keypoints {
            x0 = min(x0, k.x); y0 = min(y0, k.y)
            x1 = max(x1, k.x); y1 = max(y1, k.y)
        }
        return NormRect(xCenter: (x0 + x1) / 2, yCenter: (y0 + y1) / 2, width: x1 - x0, height: y1 - y0,
                        rotation: rotation(from: d.keypoints[k0], to: d.keypoints[k1], targetAngle: targetAngle, size: size))
    }

    /// HandDetectionsFromPoseToRectsCalculator: wrist, pinky, index → middle = (2·index + pinky)/3; centre at
    /// the middle, side 2·|middle − wrist| in pixels, rotation wrist → middle with target 90°.
    public static func handRectFromPose(wrist: Point2, pinky: Point2, index: Point2, size: ImageSize) -> NormRect {
        let xw = wrist.x * size.w, yw = wrist.y * size.h
        let xi = index.x * size.w, yi = index.y * size.h
        let xp = pinky.x * size.w, yp = pinky.y * size.h
        let xm = (2 * xi + xp) / 3, ym = (2 * yi + yp) / 3
        let box = sqrtf((xm - xw) * (xm - xw) + (ym - yw) * (ym - yw)) * 2
        let rotation = normalizeRadians(halfPi - atan2f(-(ym - yw), xm - xw))
        return NormRect(xCenter: xm / size.w, yCenter: ym / size.h, width: box / size.w, height: box / size.h,
                        rotation: rotation)
    }

    /// The palm subset HandLandmarksToRect works on: wrist, thumb CMC/MCP/IP, and the MCP and PIP joints of
    /// the index, middle, ring and pinky fingers.
    static let palmSubset = [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18]

    /// HandLandmarksToRectCalculator as shipped in mediapipe 0.10.21: given all 21 landmarks (as Holistic
    /// passes them) it first takes the 12-landmark palm subset, so its "PIP" indices 4, 6, 8 name the
    /// index, middle and ring MCP joints. (docs/holistic.md §7.2 also describes the older calculator, which
    /// used the 21 landmarks as they are; measured against MediaPipe 0.10.21 that variant agrees 3.7× worse.)
    /// `subsetting: false` reproduces the older behaviour (tests only).
    public static func handLandmarksToRect(_ landmarks: [Landmark], size: ImageSize,
                                           subsetting: Bool = true) -> NormRect {
        let lm = subsetting && landmarks.count == 21 ? palmSubset.map { landmarks[$0] } : landmarks
        let x0 = lm[0].x * size.w, y0 = lm[0].y * size.h
        var x1 = (lm[4].x + lm[8].x) / 2
        var y1 = (lm[4].y + lm[8].y) / 2
        x1 = (x1 + lm[6].x) / 2 * size.w
        y1 = (y1 + lm[6].y) / 2 * size.h
        let rotation = normalizeRadians(halfPi - atan2f(-(y1 - y0), x1 - x0))
        let reverse = normalizeRadians(-rotation)

        // Axis-aligned centre.
        var maxX = Float.leastNormalMagnitude, maxY = Float.leastNormalMagnitude
        var minX = Float.greatestFiniteMagnitude, minY = Float.greatestFiniteMagnitude
        for l in lm {
            maxX = max(maxX, l.x); maxY = max(maxY, l.y)
            minX = min(minX, l.x); minY = min(minY, l.y)
        }
        let cx = (maxX + minX) / 2, cy = (maxY + minY) / 2

        // Extent of the landmarks rotated by −θ about that centre (in pixels).
        maxX = Float.leastNormalMagnitude; maxY = Float.leastNormalMagnitude
        minX = Float.greatestFiniteMagnitude; minY = Float.greatestFiniteMagnitude
        let c = cosf(reverse), s = sinf(reverse)
        for l in lm {
            let ox = (l.x - cx) * size.w, oy = (l.y - cy) * size.h
            let px = ox * c - oy * s, py = ox * s + oy * c
            maxX = max(maxX, px); maxY = max(maxY, py)
            minX = min(minX, px); minY = min(minY, py)
        }
        let pcx = (maxX + minX) / 2, pcy = (maxY + minY) / 2
        let centerX = pcx * cosf(rotation) - pcy * sinf(rotation) + size.w * cx
        let centerY = pcx * sinf(rotation) + pcy * cosf(rotation) + size.h * cy
        return NormRect(xCenter: centerX / size.w, yCenter: centerY / size.h,
                        width: (maxX - minX) / size.w, height: (maxY - minY) / size.h, rotation: rotation)
    }
}
