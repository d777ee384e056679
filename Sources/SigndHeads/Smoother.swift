/// Exponential moving average of the signing probability: s ← α·p + (1 − α)·s, seeded with the first
/// value. α = 1 passes the raw probability through. Deterministic, no clock: one step per scored frame.
public struct EMASmoother: Sendable, Equatable {
    public let alpha: Double
    public private(set) var value: Double?

    public init(alpha: Double) throws(HeadsError) {
        guard alpha > 0, alpha <= 1 else { throw .parameter(name: "smoothing_alpha", problem: "must be in (0, 1], got \(alpha)") }
        self.alpha = alpha
    }

    /// Adds a raw probability and returns the smoothed one. NaN (an undefined output) holds the last value.
    public mutating func step(_ p: Double) -> Double {
        guard p.isFinite else { return value ?? 0 }
        let next = value.map { alpha * p + (1 - alpha) * $0 } ?? p
        value = next
        return next
    }

    /// The same history under a new α (a config reload).
    public func retuned(alpha: Double) throws(HeadsError) -> EMASmoother {
        var next = try EMASmoother(alpha: alpha)
        next.value = value
        return next
    }

    /// Forgets the history (source gap: the next window shares nothing with the last one).
    public mutating func reset() { value = nil }
}
