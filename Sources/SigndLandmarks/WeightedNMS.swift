/// MediaPipe NonMaxSuppressionCalculator, WEIGHTED algorithm with IoU overlap: repeatedly take the
/// best remaining detection, gather every remaining candidate whose IoU with it exceeds the threshold
/// (itself included), and emit the score-weighted mean of their boxes and keypoints with the top score.
public enum WeightedNMS {
    public static func iou(_ a: Detection, _ b: Detection) -> Float {
        let ix0 = max(a.xmin, b.xmin), iy0 = max(a.ymin, b.ymin)
        let ix1 = min(a.xmin + a.width, b.xmin + b.width), iy1 = min(a.ymin + a.height, b.ymin + b.height)
        guard ix1 > ix0, iy1 > iy0 else { return 0 }
        let inter = (ix1 - ix0) * (iy1 - iy0)
        let union = a.width * a.height + b.width * b.height - inter
        return union > 0 ? inter / union : 0
    }

    public static func apply(_ detections: [Detection], iouThreshold: Float = 0.3) -> [Detection] {
        // Stable order for equal scores keeps the result deterministic.
        var remaining = detections.indices.sorted {
            detections[$0].score != detections[$1].score ? detections[$0].score > detections[$1].score : $0 < $1
        }
        var output: [Detection] = []
        while let first = remaining.first {
            let top = detections[first]
            let before = remaining.count
            var candidates: [Int] = []
            var rest: [Int] = []
            for idx in remaining {
                if iou(detections[idx], top) > iouThreshold { candidates.append(idx) } else { rest.append(idx) }
            }
            remaining = rest
            var weighted = top
            if !candidates.isEmpty {
                var total: Float = 0, x0: Float = 0, y0: Float = 0, x1: Float = 0, y1: Float = 0
                var kps = [Point2](repeating: Point2(x: 0, y: 0), count: top.keypoints.count)
                for idx in candidates {
                    let d = detections[idx]
                    let p = d.score
                    total += p
                    x0 += d.xmin * p
                    y0 += d.ymin * p
                    x1 += (d.xmin + d.width) * p
                    y1 += (d.ymin + d.height) * p
                    for k in 0..<min(kps.count, d.keypoints.count) {
                        kps[k].x += d.keypoints[k].x * p
                        kps[k].y += d.keypoints[k].y * p
                    }
                }
                weighted.xmin = x0 / total
                weighted.ymin = y0 / total
                weighted.width = (x1 / total) - weighted.xmin
                weighted.height = (y1 / total) - weighted.ymin
                weighted.keypoints = kps.map { Point2(x: $0.x / total, y: $0.y / total) }
            }
            output.append(weighted)
            // Guards against a detection that overlaps nothing, not even itself (NaN box).
            if before == remaining.count { break }
        }
        return output
    }
}
