import Foundation

/// MediaPipe LowPassFilter: the first value passes through; then alpha·v + (1−alpha)·previous.
public struct LowPassFilter: Sendable {
    public private(set) var alpha: Double
    public private(set) var lastRaw: Double?
    private var stored: Double = 0

    public init(alpha: Double) { self.alpha = alpha }

    public mutating func apply(_ value: Double) -> Double {
        let result = lastRaw == nil ? value : alpha * value + (1 - alpha) * stored
        lastRaw = value
        stored = result
        return result
    }

    public mutating func apply(_ value: Double, alpha: Double) -> Double {
        self.alpha = alpha
        return apply(value)
    }
}

/// MediaPipe OneEuroFilter (mediapipe/util/filtering), timestamps in microseconds. Quirks kept: a
/// timestamp not after the previous one (including the first call at t = 0) returns the value unfiltered;
/// the frequency is re-estimated only when both timestamps are non-zero, otherwise the initial 30 Hz stays.
public struct OneEuroFilter: Sendable {
    public let minCutoff: Double
    public let beta: Double
    public let derivateCutoff: Double
    private(set) var frequency: Double
    private var x: LowPassFilter
    private var dx: LowPassFilter
    private var lastTimeNanos: Int64 = 0

    public init(frequency: Double = 30, minCutoff: Double, beta: Double, derivateCutoff: Double) {
        self.frequency = frequency
        self.minCutoff = minCutoff
        self.beta = beta
        self.derivateCutoff = derivateCutoff
        x = LowPassFilter(alpha: 0)
        dx = LowPassFilter(alpha: 0)
        x = LowPassFilter(alpha: alpha(minCutoff))
        dx = LowPassFilter(alpha: alpha(derivateCutoff))
    }

    private func alpha(_ cutoff: Double) -> Double {
        let te = 1.0 / frequency
        let tau = 1.0 / (2 * Double.pi * cutoff)
        return 1.0 / (1.0 + tau / te)
    }

    public mutating func apply(timestampMicros: Int64, valueScale: Double, value: Double) -> Double {
        let now = timestampMicros &* 1000
        if lastTimeNanos >= now { return value }
        if lastTimeNanos != 0 && now != 0 {
            frequency = 1.0 / (Double(now - lastTimeNanos) * 1e-9)
        }
        lastTimeNanos = now
        let dvalue = x.lastRaw.map { (value - $0) * valueScale * frequency } ?? 0
        let edvalue = dx.apply(dvalue, alpha: alpha(derivateCutoff))
        let cutoff = minCutoff + beta * abs(edvalue)
        return x.apply(value, alpha: alpha(cutoff))
    }
}

/// LandmarksSmoothingCalculator with a one-euro filter per landmark axis. Values are filtered in pixels
/// (x·W, y·H, z·W) with value scale 1/objectScale; filters are created on first use and dropped by `reset`.
public struct LandmarksSmoother: Sendable {
    public let minCutoff: Double
    public let beta: Double
    public let derivateCutoff: Double
    public let disableValueScaling: Bool
    public var minAllowedObjectScale: Float = 1e-6
    private var filters: [OneEuroFilter] = []   // 3 per landmark: x, y, z

    public init(minCutoff: Double, beta: Double, derivateCutoff: Double, disableValueScaling: Bool = false) {
        self.minCutoff = minCutoff
        self.beta = beta
        self.derivateCutoff = derivateCutoff
        self.disableValueScaling = disableValueScaling
    }

    public mutating func reset() { filters.removeAll() }

    /// Smooths normalized landmarks of an image of `size`; `objectScale` in pixels.
    public mutating func apply(_ landmarks: [Landmark], size: ImageSize, objectScale: Float,
                               timestampMicros: Int64) -> [Landmark] {
        if filters.isEmpty {
            let f = OneEuroFilter(minCutoff: minCutoff, beta: beta, derivateCutoff: derivateCutoff)
            filters = Array(repeating: f, count: landmarks.count * 3)
        }
        var valueScale: Float = 1
        if !disableValueScaling {
            if objectScale < minAllowedObjectScale { return landmarks }
            valueScale = 1 / objectScale
        }
        var out = landmarks
        let w = size.w, h = size.h
        for i in landmarks.indices where i * 3 + 2 < filters.count {
            let l = landmarks[i]
            // Filtered in double, stored as float (the proto's type), as MediaPipe does.
            let fx = Float(filters[i * 3].apply(timestampMicros: timestampMicros, valueScale: Double(valueScale),
                                                value: Double(l.x * w)))
            let fy = Float(filters[i * 3 + 1].apply(timestampMicros: timestampMicros, valueScale: Double(valueScale),
                                                    value: Double(l.y * h)))
            let fz = Float(filters[i * 3 + 2].apply(timestampMicros: timestampMicros, valueScale: Double(valueScale),
                                                    value: Double(l.z * w)))
            out[i].x = fx / w
            out[i].y = fy / h
            out[i].z = fz / w
        }
        return out
    }
}

/// VisibilitySmoothingCalculator with a low-pass filter per landmark's visibility.
public struct VisibilitySmoother: Sendable {
    public let alpha: Double
    private var filters: [LowPassFilter] = []

    public init(alpha: Double) { self.alpha = alpha }

    public mutating func reset() { filters.removeAll() }

    public mutating func apply(_ landmarks: [Landmark]) -> [Landmark] {
        if filters.count != landmarks.count {
            filters = Array(repeating: LowPassFilter(alpha: alpha), count: landmarks.count)
        }
        var out = landmarks
        for i in landmarks.indices {
            out[i].visibility = Float(filters[i].apply(Double(landmarks[i].visibility)))
        }
        return out
    }
}
