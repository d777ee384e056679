import Foundation

/// RoiTrackingCalculator (Holistic): keep the previous-landmarks ROI when it is close to this frame's
/// re-crop rect and the previous landmarks lie inside the (margin-shrunk) re-crop rect; otherwise use the
/// re-crop rect.
public struct RoiTracking: Sendable, Hashable {
    public var rotationDegrees: Float
    public var translation: Float
    public var scale: Float
    public var recropMargin: Float

    public static let hands = RoiTracking(rotationDegrees: 40, translation: 0.2, scale: 0.4, recropMargin: -0.1)
    public static let face = RoiTracking(rotationDegrees: 15, translation: 0.1, scale: 0.3, recropMargin: -0.2)

    /// The ROI to use this frame.
    public func choose(recrop: NormRect, previousRect: NormRect?, previousLandmarks: [Landmark]?,
                       size: ImageSize) -> NormRect {
        guard let previousRect, let previousLandmarks else { return recrop }
        let keep = rectRequirementsSatisfied(previous: previousRect, recrop: recrop, size: size)
            && landmarksInside(previousLandmarks, recrop: recrop, size: size)
        return keep ? previousRect : recrop
    }

    /// Rotation, translation (in the re-crop rect's rotated frame) and size changes within thresholds.
    public func rectRequirementsSatisfied(previous p: NormRect, recrop r: NormRect, size: ImageSize) -> Bool {
        let rot = -r.rotation
        let c = cosf(rot), s = sinf(rot)
        let px = p.xCenter * size.w * c - p.yCenter * size.h * s
        let py = p.xCenter * size.w * s + p.yCenter * size.h * c
        let rx = r.xCenter * size.w * c - r.yCenter * size.h * s
        let ry = r.xCenter * size.w * s + r.yCenter * size.h * c
        let pw = p.width * size.w, ph = p.height * size.h
        let rw = r.width * size.w, rh = r.height * size.h
        // Degrees as MediaPipe computes them: rotation / M_PI * 180 in double, stored as float.
        func degrees(_ radians: Float) -> Float { Float(Double(radians) / Double.pi * 180) }
        var diff = degrees(p.rotation) - degrees(r.rotation)
        if diff > 180 { diff -= 360 }
        if diff < -180 { diff += 360 }
        var ok = true
        if abs(diff) > rotationDegrees { ok = false }
        if abs(px - rx) > rw * translation { ok = false }
        if abs(py - ry) > rh * translation { ok = false }
        if abs(pw - rw) > rw * scale { ok = false }
        if abs(ph - rh) > rh * scale { ok = false }
        return ok
    }

    /// All landmarks strictly inside the re-crop rect grown by `recropMargin` (negative = shrunk).
    public func landmarksInside(_ landmarks: [Landmark], recrop r: NormRect, size: ImageSize) -> Bool {
        let rot = -r.rotation
        let c = cosf(rot), s = sinf(rot)
        let rx = r.xCenter * size.w * c - r.yCenter * size.h * s
        let ry = r.xCenter * size.w * s + r.yCenter * size.h * c
        let rw = r.width * size.w * (1 + recropMargin), rh = r.height * size.h * (1 + recropMargin)
        let left = rx - rw * 0.5, right = rx + rw * 0.5, top = ry - rh * 0.5, bottom = ry + rh * 0.5
        for l in landmarks {
            let x = l.x * size.w * c - l.y * size.h * s
            let y = l.x * size.w * s + l.y * size.h * c
            if !(left < x && x < right && top < y && y < bottom) { return false }
        }
        return true
    }
}
