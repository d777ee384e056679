import Foundation
import Logging
import SigndConfig
import SigndCore
import SigndEvents
import SigndHeads
import SigndLiteRT
import SigndSTGCN

/// The heads as the frame loop (and `signd replay`) sees them: a `HeadPipeline` whose results become
/// `state` and `sign` events. Attribution: a window's output belongs to its last frame (the frame just
/// pushed), so `frame.probability` and the emission frame of state events carry no look-ahead.
public final class HeadsStage {
    public let pipeline: HeadPipeline
    /// The heads' identities for `stats` events (role, stem, sha256 of the weights), hashed when the first
    /// stats event needs them: replay and eval never do.
    public private(set) lazy var models: [StatsEvent.ModelIdentity] = provenanceModels.map {
        StatsEvent.ModelIdentity(role: $0.role, name: URL(fileURLWithPath: $0.stem).lastPathComponent, sha256: $0.sha256)
    }
    /// The same with the whole stems, for result files (`eval.json`, `bench.json`).
    public private(set) lazy var provenanceModels: [RunProvenance.Model] = {
        let heads = [("binary", pipeline.binary.name)] + (pipeline.multiclass.map { [("multiclass", $0.name)] } ?? [])
        return heads.map { Self.identity(role: $0, stem: $1) }
    }()

    /// A head's role, stem and the sha256 of its weights ("unreadable" when the file cannot be read).
    public static func identity(role: String, stem: String) -> RunProvenance.Model {
        RunProvenance.Model(role: role, stem: stem,
                            sha256: (try? FileDigest.sha256Hex(of: URL(fileURLWithPath: stem + ".safetensors"))) ?? "unreadable")
    }
    private let wallOffset: Double   // wall seconds − monotonic seconds, fixed at start-up
    /// The UUID of each open segment (and of the one whose end is being published).
    private var segmentIDs: [Int: String] = [:]

    public init(pipeline: HeadPipeline) {
        self.pipeline = pipeline
        wallOffset = Clock.wallSeconds() - Double(Clock.monotonicNanos()) / 1e9
    }

    /// The heads' weights, loaded once and shared by every camera's pipeline: a model is immutable after
    /// loading (its scratch comes from a locked pool), and each pipeline keeps its own windows and state.
    public struct Models: Sendable {
        public let binary: LoadedHead
        public let multiclass: LoadedHead?
    }

    /// Loads the configured heads and checks them against the landmark layout (pose + hands, face when
    /// `landmarks.face`, or the faces of the input files with `face`). Returns nil (after saying why) when
    /// heads are off or the default models are absent; a configured model that is missing or does not fit is
    /// an error.
    public static func make(config: SigndConfiguration, logger: Logger, face: FaceSupply? = nil) throws(DaemonError) -> HeadsStage? {
        try loadModels(config: config, logger: logger).map { models throws(DaemonError) in try make(config: config, models: models, face: face) }
    }

    /// The configured heads' weights (nil, after saying why, when heads are off or the defaults absent).
    public static func loadModels(config: SigndConfiguration, logger: Logger) throws(DaemonError) -> Models? {
        let heads = config.heads
        guard heads.enabled else {
            logger.info("heads disabled (heads.enabled: false): no state or sign events")
            return nil
        }
        guard let binaryStem = config.binaryStem else {
            logger.info("no binary head configured (heads.binary: null): no state or sign events")
            return nil
        }
        func present(_ stem: String) -> Bool {
            FileManager.default.fileExists(atPath: stem + ".safetensors") && FileManager.default.fileExists(atPath: stem + ".manifest.json")
        }
        if !present(binaryStem) {
            if heads.binaryIsDefault {
                logger.warning("default binary head \(binaryStem).{safetensors,manifest.json} not found: running without heads (no state or sign events)")
                return nil
            }
            throw .models("heads.binary: \(binaryStem).safetensors / .manifest.json not found")
        }
        var multiStem = config.multiclassStem
        if let stem = multiStem, !present(stem) {
            if heads.multiclassIsDefault {
                logger.warning("default multi-class head \(stem).{safetensors,manifest.json} not found: no sign events")
                multiStem = nil
            } else {
                throw .models("heads.multiclass: \(stem).safetensors / .manifest.json not found")
            }
        }
        let models: Models
        do {
            models = Models(binary: try LoadedHead.load(stem: binaryStem),
                            multiclass: try multiStem.map { stem throws(HeadsError) in try LoadedHead.load(stem: stem) })
        } catch {
            throw .models(error.description, cause: error)
        }
        if let advice = BLASCoreCheck.adviceForThisMachine() {
            logger.warning("\(advice)")
        } else {
            logger.info("\(BLASCoreCheck.describe(coreName: BLASCoreCheck.coreName, environment: ProcessInfo.processInfo.environment))")
        }
        if BLASThreads.useOneUnlessConfigured(environment: ProcessInfo.processInfo.environment) {
            logger.debug("OpenBLAS limited to one thread (OPENBLAS_NUM_THREADS not set)")
        }
        logger.info("heads loaded", metadata: [
            "binary": "\(binaryStem)", "multiclass": "\(multiStem ?? "none")",
            "window": "\(models.binary.model.manifest.window)", "stride": "\(heads.stride)",
            "thresholds": "\(thresholdsDescription(heads, operatingPoint: models.binary.model.manifest.operatingPoint))",
        ])
        return models
    }

    /// "enter/exit (source)" for the log: which thresholds a run uses and why.
    static func thresholdsDescription(_ heads: SigndConfiguration.Heads, operatingPoint: STGCNManifest.OperatingPoint?) -> String {
        let t = heads.thresholds(head: operatingPoint?.thresholds)
        let source = heads.setsThresholds ? "config" : operatingPoint != nil ? "the head's operating point" : "defaults"
        return "\(t.enter)/\(t.exit) (\(source))"
    }

    /// One camera's heads on loaded weights: its own windows, smoothing and segments.
    public static func make(config: SigndConfiguration, models: Models, face: FaceSupply? = nil) throws(DaemonError) -> HeadsStage {
        let pipeline: HeadPipeline
        do {
            pipeline = try HeadPipeline(binary: models.binary, multiclass: models.multiclass,
                                        settings: settings(config, binary: models.binary.model.manifest),
                                        face: face ?? .landmarkStage(face: config.landmarks.face, refine: config.landmarks.refineFace))
        } catch {
            throw .models(error.description, cause: error)
        }
        if let expected = config.windows.length, expected != pipeline.window {
            throw .models("windows.length is \(expected) but the binary head \(models.binary.name) has \(pipeline.window)-frame windows")
        }
        return HeadsStage(pipeline: pipeline)
    }

    /// The pipeline's settings from the config: `heads.*`, and the span limit from `windows.max_span_factor`
    /// (in source frames: with `source.process_every` N a window of processed frames spans N times as many).
    static func settings(_ config: SigndConfiguration, binary: STGCNManifest) -> HeadSettings {
        var settings = config.heads.settings(operatingPoint: binary.operatingPoint)
        let window = binary.window
        let every = Double(config.source.capture.processEvery)
        settings.maxWindowSpanFrames = config.windows.maxSpanFactor.map { Int((Double(window) * every * $0).rounded(.up)) }
        return settings
    }

    /// The thresholds a run of `config` uses, read from the binary head's manifest without loading its weights
    /// (for reports of runs that load the heads themselves); the defaults when the head cannot be read.
    public static func thresholds(_ config: SigndConfiguration) -> SigndConfiguration.Heads.Thresholds {
        let head = config.heads.enabled ? config.binaryStem.flatMap { try? STGCNManifest.load(url: URL(fileURLWithPath: $0 + ".manifest.json")) } : nil
        return config.heads.thresholds(head: head?.operatingPoint?.thresholds)
    }

    /// Applies a reloaded config's decision settings; the open segment is kept.
    func retune(_ config: SigndConfiguration) throws(HeadsError) {
        try pipeline.retune(Self.settings(config, binary: pipeline.binary.model.manifest))
    }

    /// Runs the heads on one frame. Returns the frame's raw probability (nil when no window ended here),
    /// the events to publish after the frame event (each with its envelope frame), and the step.
    public func process(stamp: FrameStamp, landmarks: HolisticLandmarks) -> (probability: Double?, events: [(Event, Int)], step: HeadStep) {
        let step = pipeline.push(stamp: stamp, landmarks: landmarks)
        return (step.score?.raw, events(of: step), step)
    }

    /// The heads' three stages on the loop's packet, each timed from outside as `window`, `binary` and
    /// `multiclass`; a head that did not run on this frame leaves no duration.
    func run(_ packet: inout FramePacket, timings: inout FrameTimings) {
        var frame = timings.measure(.window) { pipeline.window(stamp: packet.stamp, landmarks: packet.landmarks) }
        timings.measure(.binary) { pipeline.scoreBinary(&frame) }
        if frame.step.score == nil { timings.discard(.binary) }
        let step = timings.measure(.multiclass) { pipeline.classify(&frame) }
        if !step.multiclassRan { timings.discard(.multiclass) }
        packet.step = step
    }

    /// Ends an open segment (end of source, shutdown, source gap) and forgets the frames.
    public func close(reason: StateEvent.EndReason) -> [(Event, Int)] { events(of: pipeline.close(), endReason: reason) }

    /// State events first (a `start` precedes the first `sign` of its segment); a segment summary `sign`
    /// follows its `end`. An `end` inside a step carries `endReason`, else the step's own cause.
    func events(of step: HeadStep, endReason: StateEvent.EndReason? = nil) -> [(Event, Int)] {
        let reason = endReason ?? (step.windowReset != nil ? .framesDropped : .signingStopped)
        var out: [(Event, Int)] = []
        let name = pipeline.multiclass.map { URL(fileURLWithPath: $0.name).lastPathComponent }
        for t in step.transitions {
            let duration = t.summary.map { Double($0.durationNanos) / 1e6 }
                ?? Double(t.at.nanos >= t.start.nanos ? t.at.nanos - t.start.nanos : 0) / 1e6
            let answer = t.phase == .end ? step.signs.first { $0.isSegmentSummary && $0.segment == t.segment } : nil
            let summary = t.summary.map {
                SegmentSummary(endFrame: $0.last.frame, frames: $0.frames, meanProbability: $0.meanProbability,
                               maxProbability: $0.maxProbability,
                               sign: answer.map { SegmentSign(label: $0.label ?? SignEvent.unknown, score: $0.score, windows: $0.windows) })
            }
            let phase: StateEvent.Phase = switch t.phase {
                case .start: .start; case .confirm: .confirm; case .update: .update; case .end: .end
            }
            if t.phase == .start { segmentIDs[t.segment] = UUID().uuidString.lowercased() }
            let event = StateEvent(phase: phase, segment: t.segment, startFrame: t.start.frame, startMonoNanos: t.start.nanos,
                                   startWall: wallOffset + Double(t.start.nanos) / 1e9, durationMillis: duration,
                                   probability: t.probability, summary: summary, reason: t.phase == .end ? reason : nil,
                                   segmentID: segmentIDs[t.segment], confirmed: t.confirmed)
            out.append((.state(event), t.at.frame))
            if t.phase == .end {
                for sign in step.signs where sign.isSegmentSummary && sign.segment == t.segment {
                    out.append((.sign(signEvent(sign, model: name)), t.at.frame))
                }
            }
        }
        for sign in step.signs where !sign.isSegmentSummary {
            out.append((.sign(signEvent(sign, model: name)), sign.lastFrame))
        }
        for t in step.transitions where t.phase == .end { segmentIDs[t.segment] = nil }
        return out
    }

    private func signEvent(_ p: SignPrediction, model: String?) -> SignEvent {
        SignEvent(label: p.label ?? SignEvent.unknown, score: p.score, top: p.top.map { SignEvent.Label(label: $0.label, score: $0.score) }, windowStartFrame: p.firstFrame,
                  windowEndFrame: p.lastFrame, segment: p.segment, model: model,
                  segmentID: p.segment.flatMap { segmentIDs[$0] })
    }
}

extension STGCNManifest.OperatingPoint {
    var thresholds: SigndConfiguration.Heads.Thresholds { .init(enter: enterThreshold, exit: exitThreshold) }
}

extension SigndConfiguration.Heads {
    /// The tuning values as the heads module takes them, with the thresholds of the config or else of the
    /// binary head's calibrated `operatingPoint` (docs/configuration.md).
    public func settings(operatingPoint: STGCNManifest.OperatingPoint? = nil) -> HeadSettings {
        var s = HeadSettings()
        s.stride = stride
        s.smoothingAlpha = smoothingAlpha
        let t = thresholds(head: operatingPoint?.thresholds)
        s.segments = SegmentTracker.Parameters(enterThreshold: t.enter, exitThreshold: t.exit,
                                               minStartFrames: minStartFrames, minEndFrames: minEndFrames,
                                               updateIntervalFrames: updateIntervalFrames, confirmFrames: confirmFrames)
        s.multiclassEvery = multiclassEvery
        s.topK = topK
        s.unknownBelow = unknownBelow
        return s
    }
}
