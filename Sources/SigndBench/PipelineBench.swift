import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Histogram
import Logging
import SigndCapture
import SigndConfig
import SigndCore
import SigndDaemon

/// One `signd bench` run: the daemon's own frame loop on a video, with every stage's latency recorded in
/// HdrHistograms. Values are corrected for coordinated omission at the frame interval (a stall that
/// delays the frames behind it counts for them too), as a live camera would experience it.
public struct PipelineBench {
    public enum Mode: String, Sendable, CaseIterable {
        /// Capture only: decode every frame, no landmarks, no heads (reference).
        case decode
        /// Landmarks but no heads, every frame as fast as possible (reference for the heads' cost).
        case noHeads = "no-heads"
        /// The full pipeline, every frame as fast as possible.
        case full
        /// The full pipeline with the file paced at its frame rate by the grab thread (newest frame wins).
        case paced
        /// `full` with `landmarks.pipelined` (pose of frame t+1 beside hands and face of frame t).
        case pipelined
        /// `paced` with `landmarks.pipelined`: what pipelining gains in frames and costs in latency live.
        case pacedPipelined = "paced-pipelined"
    }

    public static let stages = PipelineStage.allCases.map(\.rawValue)

    public struct StageResult: Sendable, Codable {
        public var name: String
        public var count: UInt64
        public var p50Millis: Double
        public var p90Millis: Double
        public var p99Millis: Double
        public var maxMillis: Double
        public var meanMillis: Double
        /// (percentile, ms) points for plots.
        public var distribution: [[Double]]
        /// HdrHistogram's standard percentile distribution (`.hgrm`, values in ms), written beside bench.json.
        public var hgrm = ""
        enum CodingKeys: String, CodingKey {
            case name, count, p50Millis = "p50_ms", p90Millis = "p90_ms", p99Millis = "p99_ms", maxMillis = "max_ms"
            case meanMillis = "mean_ms", distribution
        }
    }

    public struct Result: Sendable, Codable {
        public var mode: String
        public var frames: Int
        public var dropped: Int
        public var seconds: Double
        public var fps: Double
        public var sourceFps: Double
        public var peakRSSMegabytes: Double
        /// CPU time of the whole process (every thread) per frame processed, model loading included.
        public var cpuMillisPerFrame: Double
        public var stages: [StageResult]
        enum CodingKeys: String, CodingKey {
            case mode, frames, dropped, seconds, fps, sourceFps = "source_fps", peakRSSMegabytes = "peak_rss_mb"
            case cpuMillisPerFrame = "cpu_ms_per_frame", stages
        }
    }

    public let base: SigndConfiguration
    public let logger: Logger

    public init(base: SigndConfiguration, logger: Logger) {
        self.base = base
        self.logger = logger
    }

    /// The configuration a mode runs with.
    public func config(for mode: Mode) -> SigndConfiguration {
        var c = base
        c.systemd.notify = false
        c.source.loop = false
        switch mode {
        case .decode: c.landmarks.enabled = false; c.heads.enabled = false; c.source.realtime = false
        case .noHeads: c.heads.enabled = false; c.source.realtime = false
        case .full: c.source.realtime = false
        case .paced: c.source.realtime = true
        case .pipelined: c.source.realtime = false; c.landmarks.pipelined = true
        case .pacedPipelined: c.source.realtime = true; c.landmarks.pipelined = true
        }
        return c
    }

    public func run(_ mode: Mode, sourceFps: Double) throws(DaemonError) -> Result {
        let config = config(for: mode)
        Self.resetPeakRSS()
        let interval = UInt64(1e9 / max(sourceFps, 1))
        var histograms = Self.stages.map { _ in Histogram<UInt64>(lowestDiscernibleValue: 1_000, highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three) }
        let daemon = Daemon(config: config, logger: logger)
        let cpuBefore = ProcessUsage.cpuSeconds()
        let summary = try daemon.run(onFrame: { t in
            for (stage, nanos) in t.durations {
                _ = histograms[stage.index].recordCorrectedValue(Swift.max(nanos, 1_000), expectedInterval: interval)
            }
        })
        let cpuMillis = (ProcessUsage.cpuSeconds() - cpuBefore) * 1000
        let ms = 1e6
        let stages = zip(Self.stages, histograms).compactMap { name, h -> StageResult? in
            guard h.totalCount > 0 else { return nil }
            let ps: [Double] = [0, 10, 25, 50, 75, 90, 95, 99, 99.9, 100]
            var hgrm = ""
            h.outputPercentileDistribution(to: &hgrm, outputValueUnitScalingRatio: ms)
            return StageResult(name: name, count: h.totalCount, p50Millis: Double(h.valueAtPercentile(50)) / ms,
                               p90Millis: Double(h.valueAtPercentile(90)) / ms, p99Millis: Double(h.valueAtPercentile(99)) / ms,
                               maxMillis: Double(h.max) / ms, meanMillis: h.mean / ms,
                               distribution: ps.map { [$0, Double(h.valueAtPercentile($0)) / ms] }, hgrm: hgrm)
        }
        return Result(mode: mode.rawValue, frames: summary.framesOut, dropped: summary.droppedFrames, seconds: summary.seconds,
                      fps: Double(summary.framesOut) / Swift.max(summary.seconds, 1e-9), sourceFps: sourceFps,
                      peakRSSMegabytes: Self.peakRSSMegabytes(), cpuMillisPerFrame: cpuMillis / Double(Swift.max(summary.framesOut, 1)),
                      stages: stages)
    }

    /// Resets VmHWM to the current RSS (Linux `clear_refs` 5), so each mode reports its own peak.
    @discardableResult
    public static func resetPeakRSS() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    /// VmHWM from /proc/self/status (peak resident set of this process so far), in MiB.
    public static func peakRSSMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
