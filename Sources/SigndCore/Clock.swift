#if canImport(Glibc)
import Glibc
#endif

/// Monotonic and wall-clock time, read directly from the kernel so that latency figures are not skewed by NTP.
public enum Clock {
    /// CLOCK_MONOTONIC in nanoseconds: for latencies and ordering.
    public static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// CLOCK_REALTIME in seconds since the Unix epoch: for humans and cross-host correlation.
    public static func wallSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
