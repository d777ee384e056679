import Foundation
import SigndCore
import SigndHeads
import SigndNpz
import SwiftCSV

/// Settings of one evaluation run.
public struct EvalOptions: Sendable {
    public var sets = LabelSets()
    /// A sample is predicted signing at probability ≥ threshold (the heads' enter threshold by default).
    public var threshold = 0.6
    /// Frame rate used for stamps and to express delays in ms.
    public var fps = 30.0
    /// Video → class label, for the multi-class head (e.g. `sequences.csv`'s gloss column).
    public var videoClasses: [String: String] = [:]
    public init() {}
}

/// Everything measured on one video: the binary head's outputs, the segments, the multi-class results.
public struct VideoRun: Sendable {
    public var video: String
    public var frames: Int
    public var scores: [WindowScore]
    public var transitions: [SegmentTracker.Transition]
    public var signs: [SignPrediction]
}

/// Runs each video of a seed directory through the heads (`HeadPipeline`, the daemon's code path) and
/// scores the outputs against `groundtruth.txt`. Window outputs are attributed to the window's centre frame
/// for per-frame metrics; segment events are measured at the frame the live daemon would emit them.
public struct Evaluator {
    public let pipeline: HeadPipeline
    public let options: EvalOptions

    public init(pipeline: HeadPipeline, options: EvalOptions) {
        self.pipeline = pipeline
        self.options = options
    }

    /// The videos of `directory` that have both a `.npz` and ground truth, in name order.
    public static func videos(in directory: URL, groundTruth: GroundTruth) throws(EvalError) -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw .noVideos(directory: directory.path, reason: "cannot list (\(error.localizedDescription))")
        }
        let videos = names.filter { $0.hasSuffix(".npz") }.map { String($0.dropLast(4)) }
            .filter { groundTruth.labels[$0] != nil }.sorted()
        guard !videos.isEmpty else { throw .noVideos(directory: directory.path, reason: "no .npz file has lines in groundtruth.txt") }
        return videos
    }

    /// One video through the heads.
    public func run(video: String, file: URL) throws(EvalError) -> VideoRun {
        let frames: [HolisticLandmarks]
        do { frames = try SeedLandmarkFile.read(file) } catch { throw .landmarks(file: file.path, reason: error.description) }
        if let problem = pipeline.inputProblem(frames) { throw .landmarks(file: file.path, reason: problem) }
        var scores: [WindowScore] = [], transitions: [SegmentTracker.Transition] = [], signs: [SignPrediction] = []
        _ = pipeline.close()
        for (i, landmarks) in frames.enumerated() {
            let stamp = FrameStamp(index: i, captureNanos: UInt64((Double(i) * 1e9 / options.fps).rounded()), sourceMillis: Double(i) * 1000 / options.fps)
            let step = pipeline.push(stamp: stamp, landmarks: landmarks)
            if let score = step.score { scores.append(score) }
            transitions += step.transitions
            signs += step.signs
        }
        let closing = pipeline.close()
        transitions += closing.transitions
        signs += closing.signs
        return VideoRun(video: video, frames: frames.count, scores: scores, transitions: transitions, signs: signs)
    }

    /// Evaluates every video; `progress(done, total)` after each.
    public func evaluate(directory: URL, groundTruth: GroundTruth, progress: (Int, Int) -> Void = { _, _ in }) throws(EvalError) -> (EvalReport, [VideoRun]) {
        let videos = try Self.videos(in: directory, groundTruth: groundTruth)
        var runs: [VideoRun] = []
        for (i, video) in videos.enumerated() {
            runs.append(try run(video: video, file: directory.appendingPathComponent(video + ".npz")))
            progress(i + 1, videos.count)
        }
        return (report(runs, groundTruth: groundTruth), runs)
    }

    // MARK: scoring

    /// Window samples: label = majority of the window's labelled frames.
    public func windowSamples(_ run: VideoRun, _ gt: GroundTruth) -> [Sample] {
        run.scores.compactMap { s in
            gt.windowLabel(video: run.video, frames: s.first.index...s.last.index, sets: options.sets)
                .map { Sample(score: s.raw, positive: options.sets.positive.contains($0)) }
        }
    }

    /// Frame samples: each window's output scores its centre frame, when that frame is labelled.
    public func frameSamples(_ run: VideoRun, _ gt: GroundTruth) -> [Sample] {
        let labels = gt.labels[run.video] ?? [:]
        return run.scores.compactMap { s in
            guard let l = labels[s.center.index], !options.sets.ignored.contains(l) else { return nil }
            return Sample(score: s.raw, positive: options.sets.positive.contains(l))
        }
    }

    /// Detected segments: (start frame, start emitted at, confirm emitted at, last frame, end emitted at).
    public static func detected(_ run: VideoRun) -> [DetectedSegment] {
        var starts: [Int: SegmentTracker.Transition] = [:], confirms: [Int: Int] = [:]
        var out: [DetectedSegment] = []
        for t in run.transitions {
            switch t.phase {
            case .start: starts[t.segment] = t
            case .confirm: confirms[t.segment] = t.at.frame
            case .update: break
            case .end:
                let s = starts[t.segment]
                out.append(DetectedSegment(startFrame: t.start.frame, startEmittedAt: s?.at.frame ?? t.start.frame,
                                           confirmedAt: confirms[t.segment],
                                           lastFrame: t.summary?.last.frame ?? t.at.frame, endEmittedAt: t.at.frame))
            }
        }
        return out
    }

    public func report(_ runs: [VideoRun], groundTruth gt: GroundTruth) -> EvalReport {
        var allWindows: [Sample] = [], allFrames: [Sample] = []
        // With confirmation on, a subscriber to `confirm` sees only the confirmed segments, from their `confirm`.
        let confirming = pipeline.settings.segments.confirmFrames > 0
        var started = EventTally(), confirmed = EventTally()
        var rows: [EvalReport.VideoRow] = []
        var classified = 0, top1 = 0, top5 = 0, noPrediction = 0, outsideLabels = 0
        var confusions: [String: Int] = [:]
        let labels = pipeline.multiclass?.model.manifest.labels ?? []
        for run in runs {
            let w = windowSamples(run, gt), f = frameSamples(run, gt)
            allWindows += w; allFrames += f
            let truth = gt.segments(video: run.video, sets: options.sets)
            let found = Self.detected(run)
            let videoOnsets = started.add(truth: truth, found: found, emittedAt: \.startEmittedAt)
            let confirmedFound = found.filter { $0.confirmedAt != nil }
            if confirming { _ = confirmed.add(truth: truth, found: confirmedFound) { $0.confirmedAt! } }

            var row = EvalReport.VideoRow(video: run.video, frames: run.frames, windows: w.count, windowPositives: w.filter(\.positive).count,
                                          windowPRAUC: BinaryMetrics.averagePrecision(w), frameF1: BinaryMetrics(f, threshold: options.threshold).f1,
                                          groundTruthSegments: truth.count, detectedSegments: found.count,
                                          onsetDelayFrames: Summary(videoOnsets).mean, trueClass: nil, predictedClass: nil,
                                          confirmedSegments: confirming ? confirmedFound.count : nil)
            if !labels.isEmpty, let truthClass = options.videoClasses[run.video], !labels.contains(truthClass) {
                row.trueClass = truthClass
                outsideLabels += 1
            } else if !labels.isEmpty, let truthClass = options.videoClasses[run.video] {
                row.trueClass = truthClass
                let windows = run.signs.filter { !$0.isSegmentSummary }
                if windows.isEmpty {
                    noPrediction += 1
                } else {
                    var mean = [Double](repeating: 0, count: labels.count)
                    for p in windows { for i in p.probabilities.indices where i < mean.count { mean[i] += Double(p.probabilities[i]) } }
                    if let background = pipeline.multiclass?.model.manifest.backgroundClass { mean[background] = -1 }
                    let ranked = mean.indices.sorted { mean[$0] != mean[$1] ? mean[$0] > mean[$1] : $0 < $1 }
                    let predicted = labels[ranked[0]]
                    row.predictedClass = predicted
                    if predicted == truthClass { top1 += 1 } else { confusions["\(truthClass) → \(predicted)", default: 0] += 1 }
                    if ranked.prefix(5).contains(where: { labels[$0] == truthClass }) { top5 += 1 }
                }
                classified += 1
            }
            rows.append(row)
        }
        let ms = 1000 / options.fps
        var multiclass: EvalReport.Multiclass?
        if !labels.isEmpty, classified + outsideLabels > 0 {
            let top = confusions.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(10)
            multiclass = .init(videos: classified, outsideLabels: outsideLabels, withoutPrediction: noPrediction, top1: classified > 0 ? Double(top1) / Double(classified) : 0,
                               top5: classified > 0 ? Double(top5) / Double(classified) : 0,
                               confusions: top.map { .init(pair: $0.key, count: $0.value) },
                               openSet: openSet(runs, labels: Set(labels)))
        }
        return EvalReport(
            threshold: options.threshold, fps: options.fps, videos: runs.count,
            window: BinaryMetrics(allWindows, threshold: options.threshold),
            frame: BinaryMetrics(allFrames, threshold: options.threshold),
            events: started.events(millisPerFrame: ms), confirmedEvents: confirming ? confirmed.events(millisPerFrame: ms) : nil,
            multiclass: multiclass, perVideo: rows)
    }
}

/// Detected segments matched to the true ones, over all videos, with the onset taken at a chosen event.
struct EventTally {
    var truthCount = 0, detectedCount = 0, matched = 0, falseAlarms = 0
    var onsets: [Double] = [], offsets: [Double] = []

    /// Matches each true segment to the first unused detected one that overlaps it; returns this video's
    /// onset delays (`emittedAt` − true onset, in frames).
    mutating func add(truth: [ClosedRange<Int>], found: [DetectedSegment], emittedAt: (DetectedSegment) -> Int) -> [Double] {
        var used = Set<Int>()
        var videoOnsets: [Double] = []
        for segment in truth {
            guard let k = found.indices.first(where: { !used.contains($0) && found[$0].startFrame <= segment.upperBound && found[$0].lastFrame >= segment.lowerBound }) else { continue }
            used.insert(k)
            videoOnsets.append(Double(emittedAt(found[k]) - segment.lowerBound))
            offsets.append(Double(found[k].endEmittedAt - segment.upperBound))
        }
        matched += used.count
        onsets += videoOnsets
        truthCount += truth.count
        detectedCount += found.count
        falseAlarms += found.count - used.count
        return videoOnsets
    }

    func events(millisPerFrame ms: Double) -> EvalReport.Events {
        .init(groundTruthSegments: truthCount, detectedSegments: detectedCount, matched: matched,
              missed: truthCount - matched, falseAlarms: falseAlarms,
              onsetDelayFrames: Summary(onsets), offsetDelayFrames: Summary(offsets),
              onsetDelayMillis: Summary(onsets.map { $0 * ms }), offsetDelayMillis: Summary(offsets.map { $0 * ms }))
    }
}

extension Evaluator {
    /// Scores every published answer against its video's class (see `EvalReport.OpenSet`).
    func openSet(_ runs: [VideoRun], labels: Set<String>) -> EvalReport.OpenSet {
        func level(_ summaries: Bool) -> EvalReport.OpenSet.Level {
            var inVocab = 0, right = 0, inUnknown = 0, outOfVocab = 0, outUnknown = 0
            for run in runs {
                guard let truth = options.videoClasses[run.video], truth != "-", !truth.isEmpty else { continue }
                for sign in run.signs where sign.isSegmentSummary == summaries {
                    if labels.contains(truth) {
                        inVocab += 1
                        if sign.label == truth { right += 1 }
                        if sign.label == nil { inUnknown += 1 }
                    } else {
                        outOfVocab += 1
                        if sign.label == nil { outUnknown += 1 }
                    }
                }
            }
            func share(_ n: Int, _ of: Int) -> Double { of > 0 ? Double(n) / Double(of) : 0 }
            return .init(inVocab: inVocab, rightLabel: share(right, inVocab), inVocabUnknown: share(inUnknown, inVocab),
                         outOfVocab: outOfVocab, outOfVocabUnknown: share(outUnknown, outOfVocab))
        }
        return .init(unknownBelow: pipeline.unknownBelow, windows: level(false), segments: level(true))
    }
}

public struct DetectedSegment: Sendable, Equatable {
    public var startFrame: Int
    public var startEmittedAt: Int
    /// Frame of the segment's `confirm` event (nil: never confirmed, or confirmation off).
    public var confirmedAt: Int?
    public var lastFrame: Int
    public var endEmittedAt: Int
}

/// `signd eval`'s JSON report.
public struct EvalReport: Sendable, Equatable, Codable {
    public struct Events: Sendable, Equatable, Codable {
        public var groundTruthSegments: Int
        public var detectedSegments: Int
        public var matched: Int
        public var missed: Int
        public var falseAlarms: Int
        /// Frame at which `start` is emitted − true onset (live latency, window-last attribution).
        public var onsetDelayFrames: Summary
        /// Frame at which `end` is emitted − true offset.
        public var offsetDelayFrames: Summary
        public var onsetDelayMillis: Summary
        public var offsetDelayMillis: Summary
        enum CodingKeys: String, CodingKey {
            case groundTruthSegments = "ground_truth_segments", detectedSegments = "detected_segments", matched, missed
            case falseAlarms = "false_alarms", onsetDelayFrames = "onset_delay_frames", offsetDelayFrames = "offset_delay_frames"
            case onsetDelayMillis = "onset_delay_ms", offsetDelayMillis = "offset_delay_ms"
        }
    }

    public struct Multiclass: Sendable, Equatable, Codable {
        public struct Confusion: Sendable, Equatable, Codable {
            public var pair: String
            public var count: Int
        }
        /// Videos whose class is one of the head's labels (the others are counted in `outsideLabels`).
        public var videos: Int
        public var outsideLabels: Int
        public var withoutPrediction: Int
        public var top1: Double
        public var top5: Double
        /// The most frequent wrong top-1 predictions, `true → predicted`.
        public var confusions: [Confusion]
        /// The answers the daemon publishes (a label or `unknown`), per sign window and per segment summary.
        public var openSet: OpenSet
        enum CodingKeys: String, CodingKey {
            case videos, outsideLabels = "outside_labels", withoutPrediction = "without_prediction", top1 = "top1", top5 = "top5", confusions
            case openSet = "open_set"
        }
    }

    /// The published answers at the threshold in force. In-vocabulary: videos whose class is a label of the
    /// head; out-of-vocabulary: videos with another class (not `-`), which should be answered `unknown`.
    public struct OpenSet: Sendable, Equatable, Codable {
        public struct Level: Sendable, Equatable, Codable {
            /// Answers given on in-vocabulary videos, and the share that named the video's class (an
            /// `unknown` counts as wrong) or said `unknown`.
            public var inVocab = 0
            public var rightLabel = 0.0
            public var inVocabUnknown = 0.0
            /// Answers given on out-of-vocabulary videos, and the share that said `unknown`.
            public var outOfVocab = 0
            public var outOfVocabUnknown = 0.0
            enum CodingKeys: String, CodingKey {
                case inVocab = "in_vocab", rightLabel = "right_label", inVocabUnknown = "in_vocab_unknown"
                case outOfVocab = "out_of_vocab", outOfVocabUnknown = "out_of_vocab_unknown"
            }
        }
        public var unknownBelow: Double
        /// Each `sign` event of a window, and each segment's answer (the `end` event's `summary.sign`).
        public var windows: Level
        public var segments: Level
        enum CodingKeys: String, CodingKey { case unknownBelow = "unknown_below", windows, segments }
    }

    public struct VideoRow: Sendable, Equatable, Codable {
        public var video: String
        public var frames: Int
        public var windows: Int
        public var windowPositives: Int
        public var windowPRAUC: Double?
        public var frameF1: Double
        public var groundTruthSegments: Int
        public var detectedSegments: Int
        public var onsetDelayFrames: Double?
        public var trueClass: String?
        public var predictedClass: String?
        /// Segments confirmed (heads.confirm_frames > 0 only).
        public var confirmedSegments: Int?
        enum CodingKeys: String, CodingKey {
            case video, frames, windows, windowPositives = "window_positives", windowPRAUC = "window_pr_auc"
            case frameF1 = "frame_f1", groundTruthSegments = "ground_truth_segments", detectedSegments = "detected_segments"
            case onsetDelayFrames = "onset_delay_frames", trueClass = "true_class", predictedClass = "predicted_class"
            case confirmedSegments = "confirmed_segments"
        }
    }

    public var threshold: Double
    public var fps: Double
    public var videos: Int
    public var window: BinaryMetrics
    public var frame: BinaryMetrics
    /// Every segment, as a subscriber to `start` sees it (onset: the `start` event).
    public var events: Events
    /// With heads.confirm_frames > 0: what a subscriber to `confirm` sees. Only confirmed segments count as
    /// detected (an unconfirmed one is neither a match nor a false alarm), and the onset is the `confirm` event.
    public var confirmedEvents: Events?
    public var multiclass: Multiclass?
    public var perVideo: [VideoRow]
    /// What ran, on what, when (set by `signd eval`).
    public var provenance: RunProvenance? = nil
    enum CodingKeys: String, CodingKey {
        case threshold, fps, videos, window, frame, events, confirmedEvents = "confirmed_events", multiclass, perVideo = "per_video", provenance
    }
}

/// Reads `video_id → class` from a CSV (RFC 4180: quoted fields may hold commas, quotes and line breaks) with
/// a header naming `video_id` and the class column (default `gloss`).
public func loadVideoClasses(_ url: URL, column: String = "gloss") throws(EvalError) -> [String: String] {
    let csv: CSV<Named>
    do {
        csv = try CSV<Named>(url: url, delimiter: .comma, encoding: .utf8, loadColumns: false)
    } catch let error as CSVParseError {
        let message = switch error { case .generic(let m), .quotation(let m): m }
        throw .unreadable(file: url.path, reason: "not valid CSV: \(message)")
    } catch {
        throw .unreadable(file: url.path, reason: error.localizedDescription)
    }
    guard !csv.header.isEmpty else { throw .unreadable(file: url.path, reason: "empty") }
    guard csv.header.contains("video_id"), csv.header.contains(column) else {
        throw .badLine(file: url.path, line: 1, problem: "header needs 'video_id' and '\(column)' columns")
    }
    var out: [String: String] = [:]
    for (i, row) in csv.rows.enumerated() {
        guard let video = row["video_id"], !video.isEmpty else {
            throw .badLine(file: url.path, line: i + 2, problem: "record \(i + 1) has no video_id")
        }
        out[video] = row[column] ?? ""
    }
    return out
}
