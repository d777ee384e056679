import Logging

/// A problem that can repeat on every frame, logged once and then at most once per `periodNanos` with the
/// number of repeats in between, so a failing stage cannot flood the journal (30 lines a second).
struct RateLimitedLog {
    private let periodNanos: UInt64
    private var lastNanos: UInt64?
    private var suppressed = 0

    init(periodSeconds: Double = 10) { periodNanos = UInt64(periodSeconds * 1e9) }

    mutating func log(_ logger: Logger, level: Logger.Level, _ message: @autoclosure () -> String, now: UInt64) {
        if let last = lastNanos, now - last < periodNanos {
            suppressed += 1
            return
        }
        let repeats = suppressed > 0 ? " (\(suppressed) more since the last report)" : ""
        logger.log(level: level, "\(message())\(repeats)")
        lastNanos = now
        suppressed = 0
    }
}
