import Foundation
import Logging
import SigndCapture
import SigndConfig
import SigndCore
import SigndLandmarks

/// The MediaPipe-Holistic pipeline as the frame loop's landmark stage.
final class HolisticLandmarkStage: LandmarkStage {
    private let tracker: HolisticTracker
    private let faceJoints: Int?
    private let fileTimestamps: Bool
    private let logger: Logger
    private var failureLog = RateLimitedLog()
    private(set) var failures = 0

    /// - Parameter fileTimestamps: feed 33 333 µs steps per frame, as MediaPipe's Python solution does on
    ///   videos (the training data was made that way); live sources use their capture clock.
    init(config: SigndConfiguration.Landmarks, fileTimestamps: Bool, logger: Logger) throws(DaemonError) {
        do {
            let (created, chatter) = try capturingStandardError {
                try HolisticTracker(modelsDirectory: URL(fileURLWithPath: config.modelsDirectory), options: Self.options(config))
            }
            tracker = created
            for line in chatter { logger.debug("litert: \(line)") }
        } catch {
            throw .models("\(error)", cause: error)
        }
        faceJoints = Self.options(config).faceJoints
        self.fileTimestamps = fileTimestamps
        self.logger = logger
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

    func landmarks(for frame: Frame) -> HolisticLandmarks {
        let micros = fileTimestamps ? Int64(frame.stamp.index + 1) * 33_333 : Int64(frame.stamp.captureNanos / 1000)
        do {
            return try tracker.process(image: frame.image, timestampMicros: micros)
        } catch {
            // One bad frame (e.g. a corrupt decode) must not stop the daemon: it gets empty landmarks. A model
            // that fails on every frame is reported through health, and logged at a bounded rate.
            failures += 1
            failureLog.log(logger, level: .warning, "frame \(frame.stamp.index): landmarks failed: \(error)", now: frame.stamp.captureNanos)
            return .empty(faceJoints: faceJoints)
        }
    }

    func reset() { tracker.reset() }
}
