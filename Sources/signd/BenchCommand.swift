import ArgumentParser
import Foundation
import SigndCapture
import SigndBench
import SigndConfig
import SigndCore
import SigndDaemon
import SigndEval
import SigndSTGCN
import Logging

/// `signd bench VIDEO`: per-stage latency of the real frame loop, fast and paced, against references.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark the pipeline on a video: per-stage latency (HdrHistogram, coordinated-omission corrected), fps, drops, RSS.",
        discussion: """
            Runs the daemon's frame loop once per --modes entry: decode (capture only), no-heads (landmarks, no heads), \
            full (every frame as fast as possible) and paced (the file played at its frame rate; newest frame wins); \
            pipelined and paced-pipelined are full and paced with landmarks.pipelined. \
            Prints p50/p90/p99/max per stage and writes JSON and a PNG latency plot. \
            With --soak DURATION it instead plays the file at its frame rate, looped, for DURATION (e.g. 30m) and \
            prints the drift: capture→publish p50/p99, RSS, drops and CPU per frame of the first and the last \
            --soak-window, and the RSS trend; it writes soak.json.
            """)

    @Argument(help: "The video file.")
    var video: String

    @OptionGroup var options: ConfigOptions

    @Option(help: "Comma-separated modes: \(PipelineBench.Mode.allCases.map(\.rawValue).joined(separator: ", ")).")
    var modes = "decode,no-heads,full,paced,pipelined,paced-pipelined"

    @Option(name: .shortAndLong, help: "Output directory for bench.json, bench.png and the .hgrm percentile files.")
    var output = "bench-out"

    @Option(help: ArgumentHelp("Binary head stem (heads.binary); default <models_dir>/signing-binary.", valueName: "STEM"))
    var binary: String?

    @Option(help: ArgumentHelp("Multi-class head stem or 'none' (heads.multiclass).", valueName: "STEM"))
    var multiclass: String?

    @Option(help: ArgumentHelp("Soak: run paced and looped this long (90s, 30m, 1h) and report drift.", valueName: "DURATION"))
    var soak: String?

    @Option(name: .customLong("soak-window"), help: ArgumentHelp("Length of the first and last windows a soak compares.", valueName: "DURATION"))
    var soakWindow = "5m"

    /// "90s", "30m", "1h" or plain seconds.
    static func seconds(_ text: String, option: String) throws -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        let unit = text.last.flatMap { units[$0] }
        guard let value = Double(unit == nil ? Substring(text) : text.dropLast()), value > 0, value.isFinite else {
            throw ValidationError("\(option) '\(text)': expected a duration such as 90s, 30m or 1h")
        }
        return value * (unit ?? 1)
    }

    func run() throws {
        var base: SigndConfiguration
        var opts = options
        opts.source = video
        if opts.endpoints.isEmpty { opts.endpoints = ["ipc://\(FileManager.default.temporaryDirectory.path)/signd-bench-\(getpid())"] }
        do { base = try opts.resolve() } catch { throw failure(error.description, code: ExitStatus.config) }
        base.events.statsIntervalSeconds = 3600
        if let binary { base.heads.binary = binary; base.heads.binaryIsDefault = false }
        if let multiclass { base.heads.multiclass = multiclass == "none" ? nil : multiclass; base.heads.multiclassIsDefault = false }
        let logger = makeLogger(level: .warning)
        let selected = try modes.split(separator: ",").map { name -> PipelineBench.Mode in
            guard let mode = PipelineBench.Mode(rawValue: String(name)) else { throw ValidationError("unknown mode '\(name)' (\(PipelineBench.Mode.allCases.map(\.rawValue).joined(separator: ", ")))") }
            return mode
        }
        let sourceFps: Double
        do { sourceFps = try VideoReader(.file(path: video)).info.fps } catch { throw failure("\(video): \(error.description)") }
        if let soak {
            let duration = try Self.seconds(soak, option: "--soak"), window = try Self.seconds(soakWindow, option: "--soak-window")
            guard window * 2 <= duration else { throw ValidationError("--soak-window \(soakWindow) twice must fit in --soak \(soak)") }
            return try runSoak(base: base, logger: logger, seconds: duration, window: window, sourceFps: sourceFps)
        }
        let bench = PipelineBench(base: base, logger: logger)
        var results: [PipelineBench.Result] = []
        for mode in selected {
            FileHandle.standardError.write(Data("bench: \(mode.rawValue)…\n".utf8))
            do { results.append(try bench.run(mode, sourceFps: sourceFps)) } catch { throw failure("\(mode.rawValue): \(error.description)") }
        }
        for r in results {
            print("\(r.mode): " + String(format: "%d frames in %.2f s = %.1f fps (source %.2f fps), dropped %d, peak RSS %.0f MiB, CPU %.1f ms/frame",
                                         r.frames, r.seconds, r.fps, r.sourceFps, r.dropped, r.peakRSSMegabytes, r.cpuMillisPerFrame))
            for s in r.stages {
                let name = s.name.padding(toLength: 19, withPad: " ", startingAt: 0)
                print("  \(name)" + String(format: " p50 %8.3f  p90 %8.3f  p99 %8.3f  max %8.3f ms  (n=%d)",
                                                 s.p50Millis, s.p90Millis, s.p99Millis, s.maxMillis, Int(s.count)))
            }
        }
        let out = URL(fileURLWithPath: output)
        do {
            try writeReport(base: base, to: out.appendingPathComponent("bench.json")) { BenchReport(video: video, runs: results, provenance: $0) }
            try plot(results, to: out.appendingPathComponent("bench.png"))
            // HdrHistogram's own text format, which its plotters and tools read: one file per mode and stage.
            for r in results {
                for s in r.stages { try s.hgrm.write(to: out.appendingPathComponent("bench-\(r.mode)-\(s.name).hgrm"), atomically: true, encoding: .utf8) }
            }
        } catch { throw failure("writing \(output): \(error)") }
        print("wrote \(out.appendingPathComponent("bench.json").path), bench.png and bench-MODE-STAGE.hgrm")
    }

    private func runSoak(base: SigndConfiguration, logger: Logger, seconds: Double, window: Double, sourceFps: Double) throws {
        FileHandle.standardError.write(Data(String(format: "bench: soak for %.0f s, paced at %.2f fps, looping %@…\n", seconds, sourceFps, video).utf8))
        let result: SoakBench.Result
        do throws(DaemonError) {
            result = try SoakBench(base: base, logger: logger).run(seconds: seconds, window: window, sourceFps: sourceFps)
        } catch {
            throw failure("soak: \(error.description)")
        }
        print(String(format: "soak: %.0f s, %d frames processed, %d dropped (source %.2f fps)", result.seconds, result.frames, result.dropped, result.sourceFps))
        print("  window           frames  dropped  c2p p50 ms  c2p p99 ms  c2p max ms  RSS mean MiB  RSS max MiB  CPU ms/frame")
        for w in [result.first, result.last] {
            let label = String(format: "%@ %.0f–%.0f s", w.name, w.startSeconds, w.startSeconds + w.seconds).padding(toLength: 17, withPad: " ", startingAt: 0)
            print("  \(label)" + String(format: "%6d  %7d  %10.2f  %10.2f  %10.2f  %12.1f  %11.1f  %12.2f", w.frames, w.dropped,
                                     w.captureToPublishP50Millis, w.captureToPublishP99Millis, w.captureToPublishMaxMillis,
                                     w.rssMeanMegabytes, w.rssMaxMegabytes, w.cpuMillisPerFrame))
        }
        let (a, b) = (result.first, result.last)
        print("  drift (last − first): " + String(format: "c2p p50 %+.2f ms, p99 %+.2f ms; RSS mean %+.1f MiB; dropped %+d; CPU %+.2f ms/frame",
                                                  b.captureToPublishP50Millis - a.captureToPublishP50Millis,
                                                  b.captureToPublishP99Millis - a.captureToPublishP99Millis,
                                                  b.rssMeanMegabytes - a.rssMeanMegabytes, b.dropped - a.dropped,
                                                  b.cpuMillisPerFrame - a.cpuMillisPerFrame))
        print("  RSS trend after the first window: " + (result.rssSlopeMegabytesPerHour.map { String(format: "%+.2f MiB/hour", $0) } ?? "too few samples"))
        let file = URL(fileURLWithPath: output).appendingPathComponent("soak.json")
        do {
            try writeReport(base: base, to: file) { SoakReport(video: video, soak: result, provenance: $0) }
        } catch { throw failure("writing \(output): \(error)") }
        print("wrote \(file.path)")
    }

    /// Writes the report `make` builds around this run's provenance as pretty JSON, creating the folder.
    private func writeReport<R: Encodable>(base: SigndConfiguration, to file: URL, _ make: (RunProvenance) -> R) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let provenance = RunProvenance.collect(models: Provenance.models(base), settings: Provenance.settings(base.heads, thresholds: HeadsStage.thresholds(base)),
                                               inputs: ["video": video], blasKernels: base.heads.enabled ? BLASCoreCheck.coreName : nil)
        try encoder.encode(make(provenance)).write(to: file)
    }

    /// Latency by percentile (x in "nines": 1 = p90, 2 = p99, 3 = p99.9), log ms: every stage of the last
    /// full-pipeline run plus capture-to-publish of each mode.
    private func plot(_ results: [PipelineBench.Result], to url: URL) throws {
        let colors: [(UInt8, UInt8, UInt8)] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                                               (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]
        var series: [LinePlot.Series] = []
        func nines(_ p: Double) -> Double { p >= 100 ? 3.3 : -log10(1 - p / 100) }
        if let full = results.last(where: { $0.mode == "full" }) ?? results.last {
            for s in full.stages where s.name != "capture_to_publish" {
                series.append(.init(x: s.distribution.map { nines($0[0]) }, y: s.distribution.map { $0[1] }, color: colors[series.count % colors.count],
                                    thickness: 1, name: "\(full.mode) \(s.name)"))
            }
        }
        for r in results {
            guard let s = r.stages.first(where: { $0.name == "capture_to_publish" }) else { continue }
            series.append(.init(x: s.distribution.map { nines($0[0]) }, y: s.distribution.map { $0[1] }, color: colors[series.count % colors.count],
                                thickness: 3, name: "\(r.mode) capture->publish"))
        }
        let ys = series.flatMap(\.y).filter { $0 > 0 }
        var plot = LinePlot(title: "signd bench: latency by percentile (CO-corrected)", xLabel: "percentile in nines (1 = p90, 2 = p99, 3 = p99.9)",
                            yLabel: "ms (log)", xRange: 0...3.4, yRange: max(0.001, (ys.min() ?? 0.01) / 2)...max(1, (ys.max() ?? 1) * 2), logY: true)
        plot.width = 1000; plot.height = 600
        plot.series = series
        try plot.write(to: url)
    }
}

struct SoakReport: Codable {
    var video: String
    var soak: SoakBench.Result
    var provenance: RunProvenance
}

struct BenchReport: Codable {
    var video: String
    var runs: [PipelineBench.Result]
    var provenance: RunProvenance
}
