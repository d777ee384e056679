/// Recent latencies of one pipeline stage, kept in a fixed-size reservoir (the last `capacity` samples),
/// so percentiles in `stats` events reflect the current interval-scale behaviour and memory stays fixed.
struct StageTimings {
    let name: String
    private var samples: [Double]
    private var next = 0
    private var filled = 0
    private(set) var total = 0

    init(name: String, capacity: Int = 1024) {
        self.name = name
        samples = Array(repeating: 0, count: capacity)
    }

    mutating func record(millis: Double) {
        samples[next] = millis
        next = (next + 1) % samples.count
        filled = min(filled + 1, samples.count)
        total += 1
    }

    mutating func record(fromNanos start: UInt64, to end: UInt64) {
        record(millis: Double(end &- start) / 1e6)
    }

    /// (p50, p99) in ms over the reservoir; nil before the first sample.
    func percentiles() -> (p50: Double, p99: Double)? {
        guard filled > 0 else { return nil }
        let sorted = samples[0..<filled].sorted()
        func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int((q * Double(sorted.count - 1)).rounded()))] }
        return (at(0.5), at(0.99))
    }
}
