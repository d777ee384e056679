import Foundation
import SigndCore
import SigndHeads
import SigndEvents
import SigndNpz

/// Seed-format landmark files through the heads, exactly as the daemon runs them (`HeadsStage`), without
/// capture or landmark models. Each file is one source: frame indices start at 0 and the open segment is
/// closed at its end. Capture times are synthesised at `fps` so durations read as in the video.
public struct Replay {
    public let heads: HeadsStage
    public let fps: Double

    public init(heads: HeadsStage, fps: Double) {
        self.heads = heads
        self.fps = fps
    }

    /// The `.npz` files of a path: the file itself, or a directory's `.npz` files in name order.
    public static func files(at path: String) throws(DaemonError) -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .source("replay: \(path) does not exist")
        }
        guard isDirectory.boolValue else { return [URL(fileURLWithPath: path)] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let files = names.filter { $0.hasSuffix(".npz") }.sorted().map { URL(fileURLWithPath: path).appendingPathComponent($0) }
        guard !files.isEmpty else { throw .source("replay: no .npz files in \(path)") }
        return files
    }

    /// The stamp of row `index` of a replayed file.
    public func stamp(_ index: Int) -> FrameStamp {
        FrameStamp(index: index, captureNanos: UInt64((Double(index) * 1e9 / fps).rounded()), sourceMillis: Double(index) * 1000 / fps)
    }

    /// Replays one file; `emit` gets every event in publishing order with its envelope frame, `step` (when
    /// given) every frame's head step (scores and logits). Returns the number of frames.
    @discardableResult
    public func run(file: URL, step observe: ((Int, HeadStep) -> Void)? = nil, emit: (Event, Int?) -> Void) throws(DaemonError) -> Int {
        let frames: [HolisticLandmarks]
        do { frames = try SeedLandmarkFile.read(file) } catch { throw .source("replay: \(file.path): \(error.description)", cause: error) }
        if let problem = heads.pipeline.inputProblem(frames) { throw .source("replay: \(file.path): \(problem)") }
        for (i, landmarks) in frames.enumerated() {
            let s = stamp(i)
            let result = heads.process(stamp: s, landmarks: landmarks)
            observe?(i, result.step)
            emit(.frame(FrameEvent(stamp: s, landmarks: landmarks, probability: result.probability, landmarkEncoding: nil)), i)
            for (event, frame) in result.events { emit(event, frame) }
        }
        for (event, frame) in heads.close(reason: .sourceEnded) { emit(event, frame) }
        return frames.count
    }
}

/// Turns events into `topic json` lines without a socket (per-topic seq as the publisher numbers them).
public struct EventLineEncoder {
    public let camera: String
    private var seqs: [EventKind: UInt64] = [:]
    private let encoder = EventMessage.makeEncoder()

    public init(camera: String) { self.camera = camera }

    public mutating func line(_ event: Event, frame: Int?) -> String {
        let seq = seqs[event.kind, default: 0]
        seqs[event.kind] = seq + 1
        let message = EventMessage(envelope: EventEnvelope(kind: event.kind, seq: seq, frame: frame, monoNanos: Clock.monotonicNanos(),
                                                           wall: Clock.wallSeconds(), camera: camera), event: event)
        let json = (try? encoder.encode(message)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return message.topic + " " + json
    }
}
