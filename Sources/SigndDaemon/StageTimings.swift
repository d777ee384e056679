import Histogram

/// Latencies of one pipeline stage over the current stats interval, in an HdrHistogram (the same recorder
/// `signd bench` uses: 3 significant digits, fixed memory). `take` returns the interval's figures and
/// starts the next one, so a `stats` event describes its own interval: after an outage it shows no
/// samples, not stale ones.
struct StageTimings {
    let name: String
    private var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1_000, highestTrackableValue: 600_000_000_000,
                                              numberOfSignificantValueDigits: .three)

    init(name: String) { self.name = name }

    mutating func record(nanos: UInt64) {
        // Clamped into the trackable range: a clock oddity must not drop the sample.
        _ = histogram.record(min(max(nanos, 1_000), 600_000_000_000))
    }

    /// (p50, p99) in ms and the number of samples of the interval, then a fresh interval; nil if it had none.
    mutating func take() -> (p50: Double, p99: Double, count: Int)? {
        defer { histogram.reset() }
        guard histogram.totalCount > 0 else { return nil }
        return (Double(histogram.valueAtPercentile(50)) / 1e6, Double(histogram.valueAtPercentile(99)) / 1e6, Int(histogram.totalCount))
    }
}
