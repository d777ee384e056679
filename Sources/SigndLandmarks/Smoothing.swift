import Foundation

/// MediaPipe LowPassFilter (mediapipe/util/filtering/low_pass_filter.cc): the first value passes through;
/// then alpha·v + (1−alpha)·previous. Its state is float, and the expression mixes precisions exactly as the
/// C++ does: `alpha_ * value` is a float product, `(1.0 - alpha_) * stored_value_` a double one, the sum is
/// double and is stored as float. Doing it all in double drifts from MediaPipe by an ulp per frame.
public struct LowPassFilter: Sendable {
    public private(set) var alpha: Float
    public private(set) var lastRaw: Float?
    private var stored: Float = 0

    public init(alpha: Float) {
        self.alpha = 0
        setAlpha(alpha)
    }

    /// Like SetAlpha: a value outside [0, 1] is ignored (MediaPipe logs it and keeps the old one).
    private mutating func setAlpha(_ value: Float) {
        if value >= 0 && value <= 1 { alpha = value }
    }

    public mutating func apply(_ value: Float) -> Float {
        let result = lastRaw == nil ? value : Float(Double(alpha * value) + (1.0 - Double(alpha)) * Double(stored))
        lastRaw = value
        stored = result
        return result
    }

    public mutating func apply(_ value: Float, alpha: Float) -> Float {
        setAlpha(alpha)
        return apply(value)
    }
}

/// MediaPipe OneEuroFilter (mediapipe/util/filtering/one_euro_filter.cc, 0.10.21), timestamps in
/// microseconds. Its parameters and frequency are double, its two low-pass filters float (values and alphas
/// are narrowed on the way in). Quirks kept: the last timestamp starts at −1 ns; a timestamp not after the
/// previous one returns the value unfiltered; the frequency is re-estimated only when both timestamps are
/// non-zero (so a first call at t = 0 keeps the initial frequency for the second).
public struct OneEuroFilter: Sendable {
    public let minCutoff: Double
    public let beta: Double
    public let derivateCutoff: Double
    private(set) var frequency: Double
    private var x: LowPassFilter
    private var dx: LowPassFilter
    private var lastTimeNanos: Int64 = -1

    public init(frequency: Double = 30, minCutoff: Double, beta: Double, derivateCutoff: Double) {
        self.frequency = frequency
        self.minCutoff = minCutoff
        self.beta = beta
        self.derivateCutoff = derivateCutoff
        x = LowPassFilter(alpha: 0)
        dx = LowPassFilter(alpha: 0)
        x = LowPassFilter(alpha: Float(alpha(minCutoff)))
        dx = LowPassFilter(alpha: Float(alpha(derivateCutoff)))
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
            frequency = 1.0 / (Double(now &- lastTimeNanos) * 1e-9)
        }
        lastTimeNanos = now
        let dvalue = x.lastRaw.map { (value - Double($0)) * valueScale * frequency } ?? 0
        let edvalue = Double(dx.apply(Float(dvalue), alpha: Float(alpha(derivateCutoff))))
        let cutoff = minCutoff + beta * abs(edvalue)
        return Double(x.apply(Float(value), alpha: Float(alpha(cutoff))))
    }
}

/// LandmarksSmoothingCalculator with a one-euro filter per landmark axis. Values are filtered in pixels
/// (x·W, y·H, z·W) with value scale 1/objectScale; filters are created on first use and dropped by `reset`.
public struct LandmarksSmoother: Sendable {
    /// The calculator options (float fields of LandmarksSmoothingCalculatorOptions.OneEuroFilter; MediaPipe
    /// widens them to double, so 0.05 filters as 0.0500000007…).
    public let minCutoff: Float
    public let beta: Float
    public let derivateCutoff: Float
    public let disableValueScaling: Bool
    public var minAllowedObjectScale: Float = 1e-6
    private var filters: [OneEuroFilter] = []   // 3 per landmark: x, y, z

    public init(minCutoff: Float, beta: Float, derivateCutoff: Float, disableValueScaling: Bool = false) {
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
            let f = OneEuroFilter(minCutoff: Double(minCutoff), beta: Double(beta), derivateCutoff: Double(derivateCutoff))
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
            // The filter works in double on pixel values; the result is stored as float (the proto's type).
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

/// VisibilitySmoothingCalculator with a (float) low-pass filter per landmark's visibility.
public struct VisibilitySmoother: Sendable {
    public let alpha: Float
    private var filters: [LowPassFilter] = []

    public init(alpha: Float) { self.alpha = alpha }

    public mutating func reset() { filters.removeAll() }

    public mutating func apply(_ landmarks: [Landmark]) -> [Landmark] {
        if filters.count != landmarks.count {
            filters = Array(repeating: LowPassFilter(alpha: alpha), count: landmarks.count)
        }
        var out = landmarks
        for i in landmarks.indices {
            out[i].visibility = filters[i].apply(landmarks[i].visibility)
        }
        return out
    }
}
