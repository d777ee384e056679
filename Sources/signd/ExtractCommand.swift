import ArgumentParser
import Foundation
import SigndCapture
import SigndCore
import SigndLandmarks
import SigndLiteRT
import SigndNpz

/// `signd extract VIDEO -o OUT.npz`: MediaPipe-Holistic landmarks of every frame of a video in the seed
/// `.npz` layout, with an optional overlay video or contact sheet for a human to check and a timings file.
struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract Holistic landmarks (pose, hands, optional face) from a video into a seed .npz file.",
        discussion: """
            Writes pose (T,33,4), left_hand (T,21,3), right_hand (T,21,3) and, with --face, face (T,468,3) \
            (T,478,3 with --refine-face, as MediaPipe's refine_face_landmarks); \
            NaN marks parts that were not detected. Frames get timestamps in 33333 µs steps, as MediaPipe's \
            Python solution does. Models come from --models-dir, $SIGND_MODELS_DIR or ./Models.
            """)

    @Argument(help: "The video file to read, or a folder of videos (each written to OUTPUT/<name>.npz).")
    var video: String

    @Option(name: .shortAndLong, help: "The .npz file to write (a folder when VIDEO is one).")
    var output: String

    @Flag(help: "Also run face detection and the 468 face landmarks.")
    var face = false

    @Flag(name: .customLong("refine-face"),
          help: "MediaPipe's refine_face_landmarks: 478 face landmarks (iris included) with the attention model; implies --face.")
    var refineFace = false

    @Option(help: ArgumentHelp("Write a video with landmarks and ROIs drawn on every frame (.mp4 or .avi).",
                               valueName: "OUT.mp4"))
    var overlay: String?

    @Option(name: .customLong("contact-sheet"),
            help: ArgumentHelp("Write a PNG grid of evenly spaced annotated frames.", valueName: "OUT.png"))
    var contactSheet: String?

    @Option(name: .customLong("timings-json"),
            help: ArgumentHelp("Write per-run timing figures and detection counts as JSON.", valueName: "FILE"))
    var timingsJSON: String?

    @Option(name: .customLong("models-dir"),
            help: ArgumentHelp("Models directory (litert/libLiteRt.so, mediapipe/*.tflite); else $SIGND_MODELS_DIR, else ./Models.", valueName: "DIR"))
    var modelsDirectory: String?

    @Option(name: .customLong("models"), help: .hidden)
    var legacyModels: String?

    @Option(help: "XNNPACK threads per model instance.")
    var threads = 1

    @Option(name: .customLong("pose-threads"), help: "XNNPACK threads for the two pose models (default: --threads).")
    var poseThreads: Int?

    @Flag(name: .customLong("no-pipeline"),
          help: "Process frame by frame (pose, then hands and face) instead of overlapping the pose of the next frame with the hands and face of this one; same landmarks, lower throughput.")
    var noPipeline = false

    @Option(name: .customLong("frames-in-flight"), help: "Pipeline depth: frames between submission and their hands/face results.")
    var framesInFlight = 3

    @Option(help: ArgumentHelp(
        "How the two hands run: concurrent (two threads), sequential, or auto: sequential when pipelined (the pose thread already keeps the other core busy; measured faster in Benchmarks/README.md), concurrent with --no-pipeline.",
        valueName: "auto|concurrent|sequential"))
    var hands: HandsMode = .auto

    @Flag(name: .customLong("no-smoothing"), help: "Do not smooth the pose landmarks (MediaPipe's smooth_landmarks=False).")
    var noSmoothing = false

    @Option(name: .customLong("min-detection-confidence"), help: "MediaPipe's min_detection_confidence (pose detector score), 0–1.")
    var minDetectionConfidence: Float = 0.5

    @Option(name: .customLong("min-tracking-confidence"), help: "MediaPipe's min_tracking_confidence (pose landmark presence), 0–1.")
    var minTrackingConfidence: Float = 0.5

    @Flag(name: .customLong("decode-first"),
          help: "Decode the whole video before extracting, so the timings cover the landmark work alone (as Benchmarks/mediapipe_holistic_speed.py times MediaPipe); holds every frame in memory.")
    var decodeFirst = false

    @Flag(name: .customLong("no-progress"), help: "Do not draw a progress bar on stderr.")
    var noProgress = false

    func validate() throws {
        if overlay != nil && contactSheet != nil {
            throw ValidationError("--overlay and --contact-sheet are exclusive; choose one")
        }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let poseThreads, poseThreads < 1 { throw ValidationError("--pose-threads must be at least 1") }
        for (name, value) in [("--min-detection-confidence", minDetectionConfidence), ("--min-tracking-confidence", minTrackingConfidence)]
        where !(0...1).contains(value) {
            throw ValidationError("\(name) must be within 0…1 (got \(value))")
        }
        if framesInFlight < 2 { throw ValidationError("--frames-in-flight must be at least 2 (one frame per stage)") }
        if Self.isDirectory(video) {
            if overlay != nil || contactSheet != nil || timingsJSON != nil {
                throw ValidationError("--overlay, --contact-sheet and --timings-json take one video, not the folder \(video)")
            }
            if output.hasSuffix(".npz") { throw ValidationError("with a folder of videos, --output names a folder (got \(output))") }
        } else if !output.hasSuffix(".npz") {
            throw ValidationError("--output must name a .npz file (got \(output))")
        }
    }

    /// Video files `extract DIR` takes, by extension.
    static let videoExtensions: Set<String> = ["mp4", "avi", "mov", "mkv", "webm", "m4v", "mpg", "mpeg"]

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    func run() throws {
        guard Self.isDirectory(video) else {
            return try extract(video: video, output: output, overlay: overlay, contactSheet: contactSheet, timingsJSON: timingsJSON)
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: video)) ?? [])
            .filter { Self.videoExtensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        guard !names.isEmpty else { throw ValidationError("\(video) holds no video file (\(Self.videoExtensions.sorted().joined(separator: ", ")))") }
        do { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            throw ExtractError.write(path: output, reason: error.localizedDescription)
        }
        // Each video gets a fresh tracker: tracking state must not carry from one clip into the next.
        for name in names {
            let stem = (name as NSString).deletingPathExtension
            try extract(video: (video as NSString).appendingPathComponent(name),
                        output: (output as NSString).appendingPathComponent(stem + ".npz"), overlay: nil, contactSheet: nil, timingsJSON: nil)
        }
    }

    private func extract(video: String, output: String, overlay: String?, contactSheet: String?, timingsJSON: String?) throws {
        let modelsDirectory = (modelsDirectory ?? legacyModels).map { URL(fileURLWithPath: $0) } ?? HolisticModelSet.defaultDirectory()
        let concurrentHands = hands == .concurrent || (hands == .auto && noPipeline)
        var options = HolisticOptions(face: face || refineFace, threadsPerModel: threads, concurrentHands: concurrentHands,
                                      smoothLandmarks: !noSmoothing, poseThreads: poseThreads)
        options.refineFace = refineFace
        options.minDetectionConfidence = minDetectionConfidence
        options.minTrackingConfidence = minTrackingConfidence
        let landmarker: FrameLandmarker = noPipeline
            ? .sequential(try HolisticTracker(modelsDirectory: modelsDirectory, options: options))
            : .pipelined(try PipelinedHolistic(modelsDirectory: modelsDirectory, options: options,
                                               maxFramesInFlight: framesInFlight))
        let reader = try VideoReader(.file(path: video))
        let total = reader.info.frameCount
        let progress = ProgressBar(total: total, unit: "frames", enabled: !noProgress)

        var overlayWriter: OverlayVideoWriter?
        if let overlay {
            overlayWriter = try OverlayVideoWriter(url: URL(fileURLWithPath: overlay), fps: reader.info.fps,
                                                   width: reader.info.width, height: reader.info.height)
        }
        var sheet = contactSheet.map { _ in ContactSheet(expectedFrames: total) }

        // --decode-first: every frame in memory before the clock starts.
        var decoded: [Frame]? = nil
        if decodeFirst {
            var all: [Frame] = []
            while let frame = try reader.next() { all.append(frame) }
            decoded = all
        }
        var decodedIndex = 0
        func nextFrame() throws -> Frame? {
            guard let frames = decoded else { return try reader.next() }
            defer { decodedIndex += 1 }
            return decodedIndex < frames.count ? frames[decodedIndex] : nil
        }

        var frames: [HolisticLandmarks] = []
        var latencyMillis: [Double] = []
        var stageMillis = (pose: 0.0, hands: 0.0, face: 0.0)
        let cpuStart = ProcessUsage.cpuSeconds() * 1000
        let wallStart = Clock.monotonicNanos()
        func elapsedMillis() -> Double { Double(Clock.monotonicNanos() - wallStart) / 1e6 }

        // Results arrive in frame order from either path.
        func record(index: Int, image: BGRImage, landmarks: HolisticLandmarks, info: HolisticFrameInfo,
                    latency: Double) throws {
            latencyMillis.append(latency)
            stageMillis.pose += info.poseMillis
            stageMillis.hands += info.handsMillis
            stageMillis.face += info.faceMillis
            frames.append(landmarks)
            if overlayWriter != nil || sheet?.wants(index) == true {
                var canvas = OverlayCanvas(copying: image)
                canvas.draw(landmarks, info: info, label: String(format: "frame %d  %.1f ms", index, latency))
                try overlayWriter?.write(canvas)
                if sheet?.wants(index) == true { try sheet?.add(canvas) }
            }
            progress.update(done: frames.count, detail: String(format: "%.1f ms/frame", elapsedMillis() / Double(frames.count)))
        }

        switch landmarker {
        case let .sequential(tracker):
            while let frame = try nextFrame() {
                let index = frame.stamp.index
                let start = Clock.monotonicNanos()
                let landmarks: HolisticLandmarks
                do {
                    landmarks = try tracker.process(image: frame.image, timestampMicros: Self.timestamp(index))
                } catch {
                    throw ExtractError.frame(index: index, video: video, reason: String(describing: error))
                }
                try record(index: index, image: frame.image, landmarks: landmarks, info: tracker.lastFrameInfo,
                           latency: Double(Clock.monotonicNanos() - start) / 1e6)
            }
        case let .pipelined(pipeline):
            defer { pipeline.close() }
            func handle(_ outputs: () throws -> [PipelinedHolistic.Output]) throws {
                let ready: [PipelinedHolistic.Output]
                do {
                    ready = try outputs()
                } catch PipelinedHolisticError.frame(let index, let reason) {
                    throw ExtractError.frame(index: index, video: video, reason: String(describing: reason))
                }
                for o in ready {
                    try record(index: o.index, image: o.image, landmarks: o.landmarks, info: o.info,
                               latency: o.latencyMillis)
                }
            }
            while let frame = try nextFrame() {
                let index = frame.stamp.index
                try handle { try pipeline.submit(frame.image, index: index, timestampMicros: Self.timestamp(index)) }
            }
            try handle { try pipeline.finish() }
        }
        let wallMillis = elapsedMillis()
        let cpuMillis = ProcessUsage.cpuSeconds() * 1000 - cpuStart
        decoded = nil
        progress.finish()
        overlayWriter?.close()

        guard !frames.isEmpty else { throw ExtractError.noFrames(video: video) }
        do {
            try SeedLandmarkFile.write(frames, to: URL(fileURLWithPath: output))
        } catch {
            throw ExtractError.write(path: output, reason: String(describing: error))
        }
        if let contactSheet, let sheet { try sheet.write(to: URL(fileURLWithPath: contactSheet)) }

        var covers = decodeFirst ? ["landmarks"] : ["decode", "landmarks"]
        if overlay != nil || contactSheet != nil { covers.append("overlay") }
        var timings = ExtractTimings(frames: frames, wallMillis: wallMillis, cpuMillis: cpuMillis,
                                     latencyMillis: latencyMillis, covers: covers.joined(separator: "+"))
        timings.pipeline = !noPipeline
        timings.frames_in_flight = noPipeline ? 1 : framesInFlight
        timings.face_enabled = options.face
        timings.concurrent_hands = concurrentHands
        timings.threads = threads
        timings.pose_threads = poseThreads ?? threads
        let n = Double(frames.count)
        timings.stage_ms_mean = .init(pose: stageMillis.pose / n, hands: stageMillis.hands / n, face: stageMillis.face / n)
        if let timingsJSON {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            do {
                try encoder.encode(timings).write(to: URL(fileURLWithPath: timingsJSON))
            } catch {
                throw ExtractError.write(path: timingsJSON, reason: error.localizedDescription)
            }
        }
        FileHandle.standardError.write(Data(timings.summary(output: output).utf8))
    }

    /// MediaPipe's Python solution stamps frame i at (i+1)·33333 µs.
    static func timestamp(_ index: Int) -> Int64 { Int64(index + 1) * 33_333 }
}

enum HandsMode: String, ExpressibleByArgument, CaseIterable {
    case auto, concurrent, sequential
}

/// The two ways to run Holistic over a video; both give the same landmarks.
private enum FrameLandmarker {
    case sequential(HolisticTracker)
    case pipelined(PipelinedHolistic)
}

enum ExtractError: Error, CustomStringConvertible {
    case frame(index: Int, video: String, reason: String)
    case noFrames(video: String)
    case write(path: String, reason: String)

    var description: String {
        switch self {
        case let .frame(index, video, reason): return "\(video): frame \(index): \(reason)"
        case let .noFrames(video): return "\(video): the video delivered no frames"
        case let .write(path, reason): return "cannot write \(path): \(reason)"
        }
    }
}

/// The `--timings-json` document (read by Benchmarks/holistic-speed.sh).
struct ExtractTimings: Encodable {
    struct Found: Encodable {
        var pose = 0
        var left_hand = 0
        var right_hand = 0
        var face = 0
    }
    var frames: Int
    /// Throughput: wall time of the whole frame loop (first frame included), divided by the frame count.
    /// What the loop did besides landmarks is in `timing_covers` (decoding unless --decode-first, drawing
    /// when an overlay or contact sheet is written). With the pipeline this is the only fair speed figure.
    var wall_ms_total: Double
    var wall_ms_per_frame: Double
    var frames_per_second: Double
    /// Process CPU time (user + system, all threads) over the same loop, divided by the frame count.
    var cpu_ms_per_frame: Double
    /// "landmarks", "decode+landmarks", "decode+landmarks+overlay", …
    var timing_covers: String
    /// Per-frame latency (pipeline: submit to the frame's hands/face done; sequential: process()), median
    /// and 90th percentile without the first frame. Frames overlap in the pipeline, so these are not a
    /// per-frame cost.
    var latency_ms_median: Double
    var latency_ms_p90: Double
    /// Latency of the first frame (includes XNNPACK's first-run set-up).
    var first_frame_ms: Double
    var found: Found
    var pipeline = true
    var frames_in_flight = 3
    var face_enabled = false
    var concurrent_hands = true
    var threads = 1
    var pose_threads = 1
    /// Mean wall time per stage (pose, both hands, face), milliseconds; in the pipeline the pose of one
    /// frame overlaps the hands and face of the previous one.
    struct Stages: Encodable { var pose: Double; var hands: Double; var face: Double }
    var stage_ms_mean = Stages(pose: 0, hands: 0, face: 0)

    init(frames: [HolisticLandmarks], wallMillis: Double, cpuMillis: Double, latencyMillis: [Double], covers: String) {
        self.frames = frames.count
        let n = Double(max(frames.count, 1))
        wall_ms_total = wallMillis
        wall_ms_per_frame = wallMillis / n
        frames_per_second = wallMillis > 0 ? Double(frames.count) * 1000 / wallMillis : 0
        cpu_ms_per_frame = cpuMillis / n
        timing_covers = covers
        let steady = latencyMillis.count > 1 ? Array(latencyMillis.dropFirst()) : latencyMillis
        latency_ms_median = Self.percentile(steady, 0.5)
        latency_ms_p90 = Self.percentile(steady, 0.9)
        first_frame_ms = latencyMillis.first ?? 0
        var found = Found()
        for f in frames {
            if f.hasPose { found.pose += 1 }
            if f.hasLeftHand { found.left_hand += 1 }
            if f.hasRightHand { found.right_hand += 1 }
            if f.hasFace { found.face += 1 }
        }
        self.found = found
    }

    /// Linear interpolation between closest ranks (numpy's default).
    static func percentile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let pos = q * Double(sorted.count - 1)
        let lo = Int(pos.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - Double(lo))
    }

    func summary(output: String) -> String {
        String(format: "wrote %@: %d frames; pose %d, left hand %d, right hand %d%@\n", output, frames, found.pose,
               found.left_hand, found.right_hand, face_enabled ? ", face \(found.face)" : "")
            + String(format: "%@: %.1f ms/frame (%.1f fps), CPU %.1f ms/frame, timing covers %@; latency median %.1f ms, p90 %.1f ms, first frame %.1f ms\n",
                     pipeline ? "pipelined" : "sequential", wall_ms_per_frame, frames_per_second, cpu_ms_per_frame,
                     timing_covers, latency_ms_median, latency_ms_p90, first_frame_ms)
            + String(format: "stages (mean ms each, overlapping when pipelined): pose %.1f, hands %.1f, face %.1f\n",
                     stage_ms_mean.pose, stage_ms_mean.hands, stage_ms_mean.face)
    }
}

/// Collects evenly spaced annotated frames into a grid image.
struct ContactSheet {
    static let columns = 4
    static let tileWidth = 320
    static let maxTiles = 16
    let every: Int
    private var tiles: [OverlayCanvas] = []

    init(expectedFrames: Int?) {
        every = max(1, (expectedFrames ?? 480) / Self.maxTiles)
    }

    func wants(_ index: Int) -> Bool { index % every == 0 && tiles.count < Self.maxTiles }

    mutating func add(_ canvas: OverlayCanvas) throws {
        let h = max(1, canvas.height * Self.tileWidth / max(canvas.width, 1))
        tiles.append(try canvas.resized(width: Self.tileWidth, height: h))
    }

    func write(to url: URL) throws {
        guard let first = tiles.first else { return }
        let rows = (tiles.count + Self.columns - 1) / Self.columns
        var sheet = OverlayCanvas(width: Self.columns * Self.tileWidth, height: rows * first.height)
        for (i, tile) in tiles.enumerated() {
            sheet.paste(tile, x: (i % Self.columns) * Self.tileWidth, y: (i / Self.columns) * first.height)
        }
        try sheet.write(to: url)
    }
}
