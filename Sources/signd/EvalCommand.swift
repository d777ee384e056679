import ArgumentParser
import Foundation
import SigndConfig
import SigndCore
import SigndDaemon
import SigndEval
import SigndSTGCN
import SigndHeads

/// `signd eval --data DIR`: the heads on seed landmark files, scored against groundtruth.txt.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate the heads on seed .npz files against DIR/groundtruth.txt; writes JSON and PNG plots.",
        discussion: """
            Per-window (majority label of the window's labelled frames) and per-frame (each window scores its centre \
            frame) PR-AUC, precision, recall and F1 at --threshold; event-level onset/offset delays of the state \
            machine (measured at the frame the live daemon emits start/end); per-video rows; with a multi-class head \
            and --video-labels, top-1/top-5 and the most frequent confusions. With heads.confirm_frames > 0 the \
            events are also scored as a subscriber to `confirm` sees them (confirmed segments only, onset at `confirm`).
            """)

    @Option(help: "Directory with VIDEO.npz files and groundtruth.txt (`video frame label` per line).")
    var data: String

    @Option(help: "Ground-truth file (default: DATA/groundtruth.txt).")
    var groundtruth: String?

    @OptionGroup var heads: HeadOptions

    @Option(help: "Comma-separated labels that mean signing.")
    var positive = "s,S"

    @Option(help: "Comma-separated labels left out of every metric.")
    var ignore = "?"

    @Option(help: "Decision threshold (default: the enter threshold in force: heads.enter_threshold, else the binary head's operating point, else 0.6).")
    var threshold: Double?

    @Option(help: "Frame rate of the recordings (delays in ms, synthesised stamps).")
    var fps = 30.0

    @Option(name: .customLong("video-labels"), help: ArgumentHelp("CSV with video_id and gloss columns: each video's class for the multi-class head.", valueName: "CSV"))
    var videoLabels: String?

    @Option(name: .shortAndLong, help: "Output directory for eval.json and the plots.")
    var output = "eval-out"

    @Option(name: .customLong("plots"), help: "Timeline plots for at most this many videos (0: none).")
    var plotLimit = 20

    @Flag(name: .customLong("no-progress"), help: "Do not draw a progress bar on stderr.")
    var noProgress = false

    func run() throws {
        guard fps > 0 else { throw ValidationError("--fps must be positive") }
        let config: SigndConfiguration
        do { config = try heads.resolve() } catch { throw failure(error.description, code: ExitStatus.config) }
        let logger = makeLogger(level: config.logLevel)
        var options = EvalOptions()
        options.sets = LabelSets(positive: Set(positive.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }),
                                 ignored: Set(ignore.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }))
        options.fps = fps
        let stage: HeadsStage
        do {
            guard let made = try HeadsStage.make(config: config, logger: logger, face: .inputFiles) else {
                throw failure("eval needs a binary head (--binary STEM or heads.binary)", code: ExitStatus.config)
            }
            stage = made
        } catch let error as DaemonError { throw failure(error.description, code: ExitStatus.config) }
        let segments = stage.pipeline.settings.segments
        options.threshold = threshold ?? segments.enterThreshold

        let directory = URL(fileURLWithPath: data)
        let evaluation: Evaluation
        do { evaluation = try evaluate(directory: directory, pipeline: stage, options: &options) } catch {
            throw failure(error.description)
        }
        var (report, runs, gt, evaluator) = (evaluation.report, evaluation.runs, evaluation.groundTruth, evaluation.evaluator)
        var inputs = ["data": directory.path, "ground_truth": groundtruth ?? directory.appendingPathComponent("groundtruth.txt").path]
        if let videoLabels { inputs["video_labels"] = videoLabels }
        report.provenance = RunProvenance.collect(models: stage.provenanceModels,
                                                  settings: Provenance.settings(config.heads, thresholds: .init(enter: segments.enterThreshold, exit: segments.exitThreshold), extra: ["eval.threshold": options.threshold, "eval.fps": options.fps]),
                                                  inputs: inputs, blasKernels: BLASCoreCheck.coreName)

        let out = URL(fileURLWithPath: output)
        do {
            try FileManager.default.createDirectory(at: out.appendingPathComponent("videos"), withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: out.appendingPathComponent("eval.json"))
            try EvalPlots.prCurves(window: runs.flatMap { evaluator.windowSamples($0, gt) }, frame: runs.flatMap { evaluator.frameSamples($0, gt) },
                                   to: out.appendingPathComponent("pr_curve.png"))
            for run in runs.prefix(plotLimit) {
                try EvalPlots.timeline(run, groundTruth: gt, sets: options.sets, threshold: options.threshold,
                                       to: out.appendingPathComponent("videos/\(run.video).png"))
            }
        } catch { throw failure("writing \(output): \(error)") }
        print(Self.describe(report))
        print("wrote \(out.appendingPathComponent("eval.json").path), pr_curve.png and \(min(plotLimit, runs.count)) timeline plots")
    }

    private struct Evaluation {
        var report: EvalReport
        var runs: [VideoRun]
        var groundTruth: GroundTruth
        var evaluator: Evaluator
    }

    private func evaluate(directory: URL, pipeline stage: HeadsStage, options: inout EvalOptions) throws(EvalError) -> Evaluation {
        if let videoLabels { options.videoClasses = try loadVideoClasses(URL(fileURLWithPath: videoLabels)) }
        let gt = try GroundTruth.load(groundtruth.map { URL(fileURLWithPath: $0) } ?? directory.appendingPathComponent("groundtruth.txt"))
        let evaluator = Evaluator(pipeline: stage.pipeline, options: options)
        var bar: ProgressBar?
        let result = try evaluator.evaluate(directory: directory, groundTruth: gt) { done, total in
            if bar == nil { bar = ProgressBar(total: total, unit: "videos", enabled: !noProgress) }
            bar?.update(done: done)
        }
        bar?.finish()
        return Evaluation(report: result.0, runs: result.1, groundTruth: gt, evaluator: evaluator)
    }

    static func describe(_ r: EvalReport) -> String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "n/a" }
        var lines = ["videos \(r.videos), threshold \(r.threshold)"]
        for (name, m) in [("window", r.window), ("frame", r.frame)] {
            lines.append("\(name): n=\(m.samples) pos=\(m.positives) PR-AUC=\(f(m.prAUC)) P=\(f(m.precision)) R=\(f(m.recall)) F1=\(f(m.f1))")
        }
        func events(_ name: String, _ e: EvalReport.Events) -> String {
            "\(name): truth \(e.groundTruthSegments), detected \(e.detectedSegments), matched \(e.matched), missed \(e.missed), false alarms \(e.falseAlarms); onset delay mean \(f(e.onsetDelayMillis.mean)) ms, median \(f(e.onsetDelayMillis.median)) ms; offset delay mean \(f(e.offsetDelayMillis.mean)) ms"
        }
        lines.append(events("events", r.events))
        if let confirmed = r.confirmedEvents { lines.append(events("confirmed events", confirmed)) }
        if let m = r.multiclass {
            lines.append("multiclass: videos \(m.videos) (no prediction \(m.withoutPrediction); \(m.outsideLabels) more with a class the head lacks), top-1 \(f(m.top1)), top-5 \(f(m.top5))")
            for c in m.confusions.prefix(5) { lines.append("  confusion \(c.pair): \(c.count)") }
            let o = m.openSet
            for (name, l) in [("windows", o.windows), ("segments", o.segments)] {
                lines.append("open set (unknown below \(f(o.unknownBelow))), \(name): in-vocab \(l.inVocab) right label \(f(l.rightLabel)), unknown \(f(l.inVocabUnknown)); out-of-vocab \(l.outOfVocab) unknown \(f(l.outOfVocabUnknown))")
            }
        }
        return lines.joined(separator: "\n")
    }
}

