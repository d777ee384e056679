import Foundation

/// Landmark decoding steps of docs/holistic.md §8, each pure.
public enum LandmarkDecoding {
    /// TensorsToLandmarksCalculator: `dims` values per landmark (x, y, z[, visibility, presence]) in pixels
    /// of the model input; x /= inputWidth, y /= inputHeight, z /= inputWidth / normalizeZ. Visibility and
    /// presence (when present) go through a sigmoid.
    public static func decode(_ raw: [Float], count: Int, inputWidth: Int, inputHeight: Int,
                              normalizeZ: Float = 1) -> [Landmark] {
        let dims = raw.count / count
        var out: [Landmark] = []
        out.reserveCapacity(count)
        let w = Float(inputWidth), h = Float(inputHeight)
        for i in 0..<count {
            let o = i * dims
            var l = Landmark(x: raw[o] / w, y: dims > 1 ? raw[o + 1] / h : 0)
            if dims > 2 { l.z = raw[o + 2] / w / normalizeZ }
            if dims > 3 { l.visibility = sigmoid(raw[o + 3]) }
            if dims > 4 { l.presence = sigmoid(raw[o + 4]) }
            out.append(l)
        }
        return out
    }

    /// RefineLandmarksFromHeatmapCalculator (presence/visibility refinement off). The heatmap is HWC with
    /// one channel per landmark; conf = sigmoid(logit). MediaPipe's bounds check compares the column against
    /// the height instead of the row; that quirk is kept (it matters only for non-square heatmaps or rows
    /// just below the crop, where a partial window is still used).
    public static func refineFromHeatmap(_ landmarks: inout [Landmark], heatmap: [Float], height: Int, width: Int,
                                         channels: Int, kernelSize: Int = 9, minConfidence: Float = 0.5) {
        let offset = (kernelSize - 1) / 2
        for i in 0..<min(landmarks.count, channels) {
            let fx = landmarks[i].x * Float(width), fy = landmarks[i].y * Float(height)
            guard fx.isFinite, fy.isFinite, abs(fx) < 1e6, abs(fy) < 1e6 else { continue }
            let col = Int(fx), row = Int(fy)   // truncation toward zero, like C++'s float → int
            if col < 0 || col >= width || row < 0 || col >= height { continue }
            let c0 = max(0, col - offset), c1 = min(width, col + offset + 1)
            let r0 = max(0, row - offset), r1 = min(height, row + offset + 1)
            var sum: Float = 0, wc: Float = 0, wr: Float = 0, maxConf: Float = 0
            if r0 < r1 {
                for r in r0..<r1 {
                    for c in c0..<c1 {
                        let conf = sigmoid(heatmap[(r * width + c) * channels + i])
                        sum += conf
                        maxConf = max(maxConf, conf)
                        wc += Float(c) * conf
                        wr += Float(r) * conf
                    }
                }
            }
            if maxConf >= minConfidence && sum > 0 {
                landmarks[i].x = wc / Float(width) / sum
                landmarks[i].y = wr / Float(height) / sum
            }
        }
    }

    /// LandmarkProjectionCalculator: from crop-normalized to image-normalized coordinates.
    public static func project(_ landmarks: inout [Landmark], onto rect: NormRect) {
        let c = cosf(rect.rotation), s = sinf(rect.rotation)
        for i in landmarks.indices {
            let x = landmarks[i].x - 0.5, y = landmarks[i].y - 0.5
            let nx = c * x - s * y, ny = s * x + c * y
            landmarks[i].x = nx * rect.width + rect.xCenter
            landmarks[i].y = ny * rect.height + rect.yCenter
            landmarks[i].z = landmarks[i].z * rect.width
        }
    }

    /// Projects detector points from tensor space through the (padded) ROI in pixels to image-normalized
    /// coordinates: ImageToTensor's MATRIX output (GetRotatedSubRectToRectTransformMatrix, no flip) applied as
    /// DetectionProjectionCalculator does, term by term in float, so the rounding is MediaPipe's (the
    /// algebraically equal centre-offset form differs in the last bits).
    public static func projectPoint(_ p: Point2, through roi: PixelRect, size: ImageSize) -> Point2 {
        let a = roi.width, b = roi.height
        let c = cosf(roi.rotation), d = sinf(roi.rotation)
        let e = roi.centerX, f = roi.centerY
        let g = 1 / size.w, h = 1 / size.h
        let m0 = a * c * g, m1 = -b * d * g, m3 = (-0.5 * a * c + 0.5 * b * d + e) * g
        let m4 = a * d * h, m5 = b * c * h, m7 = (-0.5 * b * c - 0.5 * a * d + f) * h
        return Point2(x: p.x * m0 + p.y * m1 + m3, y: p.x * m4 + p.y * m5 + m7)
    }
}
