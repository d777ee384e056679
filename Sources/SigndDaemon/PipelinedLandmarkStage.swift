import Foundation
import Logging
import SigndCapture
import SigndConfig
import SigndCore
import SigndLandmarks

/// `landmarks.pipelined`: the Holistic pipeline with pose of frame t+1 beside hands and face of frame t, on
/// `PipelinedHolistic`'s two threads; the landmarks are bit-identical to `HolisticLandmarkStage`'s. A frame
/// comes back from a later call: each finished frame wakes the loop (`LoopWake`), which takes it with
/// `finished()` while it would otherwise wait for the next frame, so a frame waits for no other frame.
final class PipelinedLandmarkStage: LandmarkStage {
    private let pipeline: PipelinedHolistic
    private let clock: LandmarkClock
    private var failureRecord: LandmarkFailureRecord
    /// Frames submitted and not handed back, oldest first: the pipeline returns images, the packets need
    /// the frames' stamps.
    private var pending: [Frame] = []

    /// Two frames in flight: one in each stage. A third would only queue behind stage 2 and add latency.
    static let framesInFlight = 2

    /// - Parameter models: see `HolisticLandmarkStage.init`.
    init(config: SigndConfiguration.Landmarks, fileTimestamps: Bool, models: HolisticModels, wake: LoopWake, logger: Logger) throws(DaemonError) {
        // The two hands stay on two threads, as in the frame-at-a-time stage: with the pose thread that is three
        // threads on two cores, and yet it measured faster in the daemon than the hands one after the other
        // (Benchmarks/README.md, pipelined landmarks), unlike in `signd extract`.
        let options = HolisticLandmarkStage.options(config)
        pipeline = try loadingModels(logger: logger) {
            try PipelinedHolistic(models: models, options: options, maxFramesInFlight: Self.framesInFlight, continuesAfterFailure: true,
                                  onFrameDone: { wake() })
        }
        clock = LandmarkClock(fileTimestamps: fileTimestamps)
        failureRecord = LandmarkFailureRecord(faceJoints: options.faceJoints, logger: logger)
    }

    deinit { pipeline.close() }

    func submit(_ frame: Frame) -> [FramePacket] {
        do {
            // Blocks only while both stages are busy: the back-pressure a live source answers by dropping.
            try pipeline.enqueue(frame.image, index: frame.stamp.index, timestampMicros: clock.micros(frame.stamp))
        } catch {
            // Only after close, which nothing calls while the loop runs; the frame still goes out.
            return packets(pipeline.results(leavingInFlight: .max)) + [failureRecord.packet(failed: frame, error)]
        }
        pending.append(frame)
        return packets(pipeline.results(leavingInFlight: .max))
    }

    func finished() -> [FramePacket] { packets(pipeline.results(leavingInFlight: .max)) }

    func drain() -> [FramePacket] { packets(pipeline.results(leavingInFlight: 0)) }

    func reset() { pipeline.reset() }

    var failures: Int { failureRecord.count }

    /// Results come in submission order, so each one belongs to the oldest pending frame.
    private func packets(_ results: [Result<PipelinedHolistic.Output, PipelinedHolisticError>]) -> [FramePacket] {
        results.map { result in
            let frame = pending.removeFirst()
            switch result {
            case .success(let output):
                assert(output.index == frame.stamp.index, "pipelined frames out of order")
                return FramePacket(frame: frame, landmarks: output.landmarks)
            case .failure(.frame(_, let reason)):
                return failureRecord.packet(failed: frame, reason)
            case .failure(let error):
                return failureRecord.packet(failed: frame, error)
            }
        }
    }
}
