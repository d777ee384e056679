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
            Writes pose (T,33,4), left_hand (T,21,3), right_hand (T,21,3) and, with --face, face (T,468,3); \
            NaN marks parts that were not detected. Frames get timestamps in 33333 µs steps, as MediaPipe's \
            Python solution does. Models come from --models, $SIGND_MODELS_DIR or ./Models.
            """)

    @Argument(help: "The video file to read.")
    var video: String

    @Option(name: .shortAndLong, help: "The .npz file to write.")
    var output: String

    @Flag(help: "Also run face detection and the 468 face landmarks.")
    var face = false

    @Option(help: ArgumentHelp("Write a video with landmarks and ROIs drawn on every frame (.mp4 or .avi).",
                               valueName: "OUT.mp4"))
    var overlay: String?

    @Option(name: .customLong("contact-sheet"),
            help: ArgumentHelp("Write a PNG grid of evenly spaced annotated frames.", valueName: "OUT.png"))
    var contactSheet: String?

    @Option(name: .customLong("timings-json"),
            help: ArgumentHelp("Write per-run timing figures and detection counts as JSON.", valueName: "FILE"))
    var timingsJSON: String?

    @Option(help: ArgumentHelp("Models directory (litert/libLiteRt.so, mediapipe/*.tflite).", valueName: "DIR"))
    var models: String?

    @Option(help: "XNNPACK threads per model instance.")
    var threads = 1

    @Flag(name: .customLong("sequential-hands"), help: "Run the two hands one after the other (default: concurrently).")
    var sequentialHands = false

    @Flag(name: .customLong("no-smoothing"), help: "Do not smooth the pose landmarks (MediaPipe's smooth_landmarks=False).")
    var noSmoothing = false

    @Flag(name: .customLong("no-progress"), help: "Do not draw a progress bar on stderr.")
    var noProgress = false

    func validate() throws {
        if overlay != nil && contactSheet != nil {
            throw ValidationError("--overlay and --contact-sheet are exclusive; choose one")
        }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if !output.hasSuffix(".npz") { throw ValidationError("--output must name a .npz file (got \(output))") }
    }

    func run() throws {
        let modelsDirectory = models.map { URL(fileURLWithPath: $0) } ?? HolisticModelSet.defaultDirectory()
        let tracker = try HolisticTracker(
            modelsDirectory: modelsDirectory,
            options: HolisticOptions(face: face, threadsPerModel: threads, concurrentHands: !sequentialHands,
                                     smoothLandmarks: !noSmoothing))
        let reader = try VideoReader(.file(path: video))
        let total = reader.info.frameCount
        var progress = ProgressBar(total: total, enabled: !noProgress)

        var overlayWriter: OverlayVideoWriter?
        if let overlay {
            overlayWriter = try OverlayVideoWriter(url: URL(fileURLWithPath: overlay), fps: reader.info.fps,
                                                   width: reader.info.width, height: reader.info.height)
        }
        var sheet = contactSheet.map { _ in ContactSheet(expectedFrames: total) }

        var frames: [HolisticLandmarks] = []
        var wallMillis: [Double] = []
        var stageMillis = (pose: 0.0, hands: 0.0, face: 0.0)
        var cpuMillis = 0.0
        while let frame = try reader.next() {
            let index = frame.stamp.index
            let timestamp = Int64(index + 1) * 33_333
            let cpuBefore = ProcessCPU.millis()
            let start = Clock.monotonicNanos()
            let landmarks: HolisticLandmarks
            do {
                landmarks = try tracker.process(image: frame.image, timestampMicros: timestamp)
            } catch {
                throw ExtractError.frame(index: index, video: video, reason: String(describing: error))
            }
            let ms = Double(Clock.monotonicNanos() - start) / 1e6
            // CPU of process() only (all threads), so decoding and overlays do not count.
            cpuMillis += ProcessCPU.millis() - cpuBefore
            wallMillis.append(ms)
            let info = tracker.lastFrameInfo
            stageMillis.pose += info.poseMillis
            stageMillis.hands += info.handsMillis
            stageMillis.face += info.faceMillis
            frames.append(landmarks)

            if overlayWriter != nil || sheet?.wants(index) == true {
                var canvas = OverlayCanvas(copying: frame.image)
                canvas.draw(landmarks, info: info, label: String(format: "frame %d  %.1f ms", index, ms))
                try overlayWriter?.write(canvas)
                if sheet?.wants(index) == true { try sheet?.add(canvas) }
            }
            progress.update(done: frames.count, lastMillis: ms)
        }
        progress.finish()
        overlayWriter?.close()

        guard !frames.isEmpty else { throw ExtractError.noFrames(video: video) }
        do {
            try SeedLandmarkFile.write(frames, to: URL(fileURLWithPath: output))
        } catch {
            throw ExtractError.write(path: output, reason: String(describing: error))
        }
        if let contactSheet, let sheet { try sheet.write(to: URL(fileURLWithPath: contactSheet)) }

        var timings = ExtractTimings(frames: frames, wallMillis: wallMillis, cpuMillis: cpuMillis, face: face,
                                     concurrentHands: !sequentialHands)
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
    /// Median and 90th percentile of the per-frame wall time, first frame excluded (it includes warm-up).
    var wall_ms_median: Double
    var wall_ms_p90: Double
    /// Process CPU time (user + system, all threads) inside process(), divided by the frame count.
    var cpu_ms_per_frame: Double
    var first_frame_ms: Double
    var found: Found
    var face_enabled: Bool
    var concurrent_hands: Bool
    /// Mean wall time per stage (pose, both hands, face), milliseconds.
    struct Stages: Encodable { var pose: Double; var hands: Double; var face: Double }
    var stage_ms_mean = Stages(pose: 0, hands: 0, face: 0)

    init(frames: [HolisticLandmarks], wallMillis: [Double], cpuMillis: Double, face: Bool, concurrentHands: Bool) {
        self.frames = frames.count
        let steady = wallMillis.count > 1 ? Array(wallMillis.dropFirst()) : wallMillis
        wall_ms_median = Self.percentile(steady, 0.5)
        wall_ms_p90 = Self.percentile(steady, 0.9)
        cpu_ms_per_frame = frames.isEmpty ? 0 : cpuMillis / Double(frames.count)
        first_frame_ms = wallMillis.first ?? 0
        var found = Found()
        for f in frames {
            if f.hasPose { found.pose += 1 }
            if f.hasLeftHand { found.left_hand += 1 }
            if f.hasRightHand { found.right_hand += 1 }
            if f.hasFace { found.face += 1 }
        }
        self.found = found
        face_enabled = face
        concurrent_hands = concurrentHands
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
        String(format: "wrote %@: %d frames; pose %d, left hand %d, right hand %d%@; median %.1f ms, p90 %.1f ms, CPU %.1f ms/frame, first frame %.1f ms\n",
               output, frames, found.pose, found.left_hand, found.right_hand,
               face_enabled ? ", face \(found.face)" : "", wall_ms_median, wall_ms_p90, cpu_ms_per_frame, first_frame_ms)
            + String(format: "stages (mean ms): pose %.1f, hands %.1f, face %.1f\n", stage_ms_mean.pose, stage_ms_mean.hands,
                     stage_ms_mean.face)
    }
}

/// Process CPU time (user + system) in milliseconds.
enum ProcessCPU {
    static func millis() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func ms(_ t: timeval) -> Double { Double(t.tv_sec) * 1000 + Double(t.tv_usec) / 1000 }
        return ms(usage.ru_utime) + ms(usage.ru_stime)
    }
}

/// A one-line progress bar on stderr, redrawn at most ~10 times a second.
struct ProgressBar {
    let total: Int?
    let enabled: Bool
    private var lastDraw: UInt64 = 0

    init(total: Int?, enabled: Bool) {
        self.total = total
        self.enabled = enabled && isatty(STDERR_FILENO) != 0
    }

    mutating func update(done: Int, lastMillis: Double) {
        guard enabled else { return }
        let now = Clock.monotonicNanos()
        guard now - lastDraw > 100_000_000 || done == total else { return }
        lastDraw = now
        var line: String
        if let total, total > 0 {
            let width = 30
            let filled = min(width, done * width / total)
            line = "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "]"
            line += " \(done)/\(total) frames"
        } else {
            line = "\(done) frames"
        }
        line += String(format: "  %.1f ms/frame", lastMillis)
        FileHandle.standardError.write(Data(("\r" + line).utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
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
