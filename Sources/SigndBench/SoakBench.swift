import Foundation
import Histogram
import Logging
import SigndConfig
import SigndCore
import SigndDaemon

/// `signd bench --soak DURATION`: the daemon's frame loop on a file played at its frame rate and looped, as a
/// camera would feed it, for a long time. What drifts over a long run (memory, latency, drops, CPU) shows when
/// the first and the last window of the run are compared; RSS is also sampled through the whole run.
public struct SoakBench {
    /// One stretch of the run.
    public struct Window: Sendable, Codable {
        public var name: String
        public var startSeconds: Double
        public var seconds: Double
        public var frames: Int
        /// Frames the source offered in the window that the loop never processed (replaced by newer ones).
        public var dropped: Int
        public var captureToPublishP50Millis: Double
        public var captureToPublishP99Millis: Double
        public var captureToPublishMaxMillis: Double
        public var rssMeanMegabytes: Double
        public var rssMaxMegabytes: Double
        /// Process CPU time (user + system) per processed frame.
        public var cpuMillisPerFrame: Double
        enum CodingKeys: String, CodingKey {
            case name, startSeconds = "start_s", seconds = "duration_s", frames, dropped
            case captureToPublishP50Millis = "capture_to_publish_p50_ms", captureToPublishP99Millis = "capture_to_publish_p99_ms"
            case captureToPublishMaxMillis = "capture_to_publish_max_ms", rssMeanMegabytes = "rss_mean_mb", rssMaxMegabytes = "rss_max_mb"
            case cpuMillisPerFrame = "cpu_ms_per_frame"
        }
    }

    public struct Result: Sendable, Codable {
        public var seconds: Double
        public var sourceFps: Double
        public var frames: Int
        public var dropped: Int
        public var first: Window
        public var last: Window
        /// RSS sampled every `rssSampleSeconds` through the run: (seconds since start, MiB).
        public var rssSamples: [[Double]]
        /// Least-squares slope of the RSS samples after the first window (warm-up excluded), MiB per hour.
        public var rssSlopeMegabytesPerHour: Double?
        enum CodingKeys: String, CodingKey {
            case seconds = "duration_s", sourceFps = "source_fps", frames, dropped, first, last, rssSamples = "rss_samples"
            case rssSlopeMegabytesPerHour = "rss_slope_mb_per_hour"
        }
    }

    public static let rssSampleSeconds = 10.0

    public let base: SigndConfiguration
    public let logger: Logger

    public init(base: SigndConfiguration, logger: Logger) {
        self.base = base
        self.logger = logger
    }

    /// Runs for `seconds`, comparing the first and the last `window` seconds.
    public func run(seconds: Double, window: Double, sourceFps: Double) throws(DaemonError) -> Result {
        precondition(seconds > 0 && window > 0 && window * 2 <= seconds, "two windows must fit in the run")
        var config = base
        config.systemd.notify = false
        config.source.realtime = true
        config.source.loop = true
        config.source.maxFrames = nil
        let daemon = Daemon(config: config, logger: logger)
        var recorder = Recorder(seconds: seconds, window: window)
        let summary = try daemon.run(onFrame: { timings in
            if recorder.record(timings) { daemon.requestStop() }
        })
        let (first, last) = recorder.windows()
        return Result(seconds: recorder.elapsed, sourceFps: sourceFps, frames: summary.framesOut, dropped: summary.droppedFrames,
                      first: first, last: last, rssSamples: recorder.rssSamples,
                      rssSlopeMegabytesPerHour: Self.slope(recorder.rssSamples.filter { $0[0] >= window }).map { $0 * 3600 })
    }

    /// Per-frame bookkeeping on the loop's thread: which window a frame falls in, its latency, RSS and CPU at
    /// the window edges.
    private struct Recorder {
        let seconds: Double
        let window: Double
        let start = Clock.monotonicNanos()
        var elapsed = 0.0
        var rssSamples: [[Double]] = []
        private var ticks = 0           // seconds whose RSS was read
        private var spans = [Span(), Span()]   // first, last

        struct Span {
            var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1_000, highestTrackableValue: 600_000_000_000,
                                              numberOfSignificantValueDigits: .three)
            var frames = 0
            var firstIndex: Int?
            var lastIndex = 0
            var rss: [Double] = []
            var cpuStart: Double?
            var cpuEnd = 0.0
            var startSeconds: Double?
            var endSeconds = 0.0
        }

        init(seconds: Double, window: Double) {
            self.seconds = seconds
            self.window = window
        }

        /// Records one frame; true when the run has lasted long enough.
        mutating func record(_ t: FrameTimings) -> Bool {
            elapsed = Double(Clock.monotonicNanos() - start) / 1e9
            // RSS once a second (a file read; not on every frame), kept for the trend every rssSampleSeconds.
            var rss: Double?
            if elapsed >= Double(ticks) {
                let now = Double(ProcessUsage.residentBytes() ?? 0) / 1_048_576
                if ticks % Int(SoakBench.rssSampleSeconds) == 0 { rssSamples.append([elapsed, now]) }
                ticks = Int(elapsed) + 1
                rss = now
            }
            if let i = inSpan(elapsed) {
                let cpu = ProcessUsage.cpuSeconds() * 1000
                spans[i].frames += 1
                if spans[i].firstIndex == nil {
                    spans[i].firstIndex = t.index
                    spans[i].cpuStart = cpu
                    spans[i].startSeconds = elapsed
                }
                spans[i].lastIndex = t.index
                spans[i].cpuEnd = cpu
                spans[i].endSeconds = elapsed
                if let rss { spans[i].rss.append(rss) }
                if let nanos = t[.captureToPublish] { _ = spans[i].histogram.record(Swift.max(nanos, 1_000)) }
            }
            return elapsed >= seconds
        }

        private func inSpan(_ at: Double) -> Int? {
            if at < window { return 0 }
            if at >= seconds - window { return 1 }
            return nil
        }

        func windows() -> (Window, Window) {
            func make(_ s: Span, _ name: String) -> Window {
                let h = s.histogram
                let offered = s.firstIndex.map { s.lastIndex - $0 + 1 } ?? 0
                let cpu = s.cpuStart.map { s.cpuEnd - $0 } ?? 0
                return Window(name: name, startSeconds: s.startSeconds ?? 0, seconds: s.endSeconds - (s.startSeconds ?? 0),
                              frames: s.frames, dropped: Swift.max(0, offered - s.frames),
                              captureToPublishP50Millis: Double(h.valueAtPercentile(50)) / 1e6,
                              captureToPublishP99Millis: Double(h.valueAtPercentile(99)) / 1e6,
                              captureToPublishMaxMillis: Double(h.max) / 1e6,
                              rssMeanMegabytes: s.rss.isEmpty ? 0 : s.rss.reduce(0, +) / Double(s.rss.count),
                              rssMaxMegabytes: s.rss.max() ?? 0,
                              cpuMillisPerFrame: s.frames > 1 ? cpu / Double(s.frames - 1) : 0)
            }
            return (make(spans[0], "first"), make(spans[1], "last"))
        }
    }

    /// Least-squares slope of (x, y) points, nil with fewer than three.
    static func slope(_ points: [[Double]]) -> Double? {
        guard points.count >= 3 else { return nil }
        let n = Double(points.count)
        let mx = points.map { $0[0] }.reduce(0, +) / n, my = points.map { $0[1] }.reduce(0, +) / n
        let sxy = points.map { ($0[0] - mx) * ($0[1] - my) }.reduce(0, +)
        let sxx = points.map { ($0[0] - mx) * ($0[0] - mx) }.reduce(0, +)
        return sxx > 0 ? sxy / sxx : nil
    }

}
