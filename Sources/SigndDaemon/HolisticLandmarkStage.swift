import Foundation
import Logging
import SigndCapture
import SigndConfig
import SigndCore
import SigndLandmarks

/// The MediaPipe-Holistic pipeline as the frame loop's landmark stage, one frame at a time.
final class HolisticLandmarkStage: LandmarkStage {
    private let tracker: HolisticTracker
    private let clock: LandmarkClock
    private var failureRecord: LandmarkFailureRecord

    /// - Parameters:
    ///   - fileTimestamps: see `LandmarkClock`.
    ///   - models: loaded by `Self.loadModels`, maybe shared with other cameras' stages.
    init(config: SigndConfiguration.Landmarks, fileTimestamps: Bool, models: HolisticModels, logger: Logger) throws(DaemonError) {
        let options = Self.options(config)
        tracker = try loadingModels(logger: logger) { try HolisticTracker(models: models, options: options) }
        clock = LandmarkClock(fileTimestamps: fileTimestamps)
        failureRecord = LandmarkFailureRecord(faceJoints: options.faceJoints, logger: logger)
    }

    /// The landmark models the config asks for, loaded once for every camera of the process.
    static func loadModels(_ config: SigndConfiguration.Landmarks, logger: Logger) throws(DaemonError) -> HolisticModels {
        try loadingModels(logger: logger) {
            try HolisticModels(modelsDirectory: URL(fileURLWithPath: config.modelsDirectory), options: options(config))
        }
    }

    /// The Holistic options the config asks for.
    static func options(_ config: SigndConfiguration.Landmarks) -> HolisticOptions {
        var options = HolisticOptions(face: config.face, threadsPerModel: config.threads, concurrentHands: true,
                                      smoothLandmarks: config.smoothLandmarks)
        options.minDetectionConfidence = Float(config.minDetectionConfidence)
        options.minTrackingConfidence = Float(config.minTrackingConfidence)
        options.refineFace = config.refineFace
        return options
    }

    func submit(_ frame: Frame) -> [FramePacket] {
        do {
            let landmarks = try tracker.process(image: frame.image, timestampMicros: clock.micros(frame.stamp))
            return [FramePacket(frame: frame, landmarks: landmarks)]
        } catch {
            return [failureRecord.packet(failed: frame, error)]
        }
    }

    func finished() -> [FramePacket] { [] }
    func drain() -> [FramePacket] { [] }
    func reset() { tracker.reset() }
    var failures: Int { failureRecord.count }
}

/// The timestamps the landmark stage gives MediaPipe's filters: 33 333 µs steps per frame index on files,
/// as MediaPipe's Python solution does on videos (the training data was made that way); live sources use
/// their capture clock.
struct LandmarkClock {
    let fileTimestamps: Bool
    func micros(_ stamp: FrameStamp) -> Int64 {
        fileTimestamps ? Int64(stamp.index + 1) * 33_333 : Int64(stamp.captureNanos / 1000)
    }
}

/// What a failed frame becomes. One bad frame (e.g. a corrupt decode) must not stop the daemon: it gets
/// empty landmarks. A model that fails on every frame is reported through health (`count`), and logged at a
/// bounded rate.
struct LandmarkFailureRecord {
    let faceJoints: Int?
    let logger: Logger
    private var log = RateLimitedLog()
    private(set) var count = 0

    init(faceJoints: Int?, logger: Logger) {
        self.faceJoints = faceJoints
        self.logger = logger
    }

    mutating func packet(failed frame: Frame, _ error: any Error) -> FramePacket {
        count += 1
        log.log(logger, level: .warning, "frame \(frame.stamp.index): landmarks failed: \(error)", now: frame.stamp.captureNanos)
        return FramePacket(frame: frame, landmarks: .empty(faceJoints: faceJoints))
    }
}

/// Loads the landmark models, LiteRT's start-up chatter going to the debug log; a failure is `models`.
func loadingModels<T>(logger: Logger, _ load: () throws -> T) throws(DaemonError) -> T {
    do {
        let (created, chatter) = try capturingStandardError(load)
        for line in chatter { logger.debug("litert: \(line)") }
        return created
    } catch {
        throw .models("\(error)", cause: error)
    }
}
