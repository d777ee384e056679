import Foundation
import SigndLiteRT

/// The loaded models of one Holistic configuration: an interpreter per stage model, each holding its weights
/// as XNNPACK packed them, its buffers and the LiteRT runtime it was made with. Trackers made on one set share
/// all of that (the cameras of one process): each tracker keeps its own tracking state (ROIs, filters), and each
/// use of a model (fill, run, read) is exclusive (`LiteRtModel.exclusively`), so trackers on several
/// threads take turns per model and never mix frames.
public final class HolisticModels: Sendable {
    /// The configuration the set was loaded for; trackers on it must ask for the same models.
    public let options: HolisticOptions
    let poseDetection: LiteRtModel
    let poseLandmark: LiteRtModel
    /// Left, then right: two instances of each hand model, so that one tracker's hands run concurrently.
    let hands: [(recrop: LiteRtModel, landmarks: LiteRtModel)]
    let face: (detector: LiteRtModel, landmarker: LiteRtModel)?

    /// Loads the runtime and the pinned models `options` needs from `modelsDirectory` (`litert/libLiteRt.so`,
    /// `mediapipe/*.tflite`), checking sizes and sha256 first. Throws `HolisticError.modelsDirectoryMissing`
    /// or the `LiteRtError` naming the missing library, missing/corrupt model or checksum mismatch.
    public init(modelsDirectory: URL, options: HolisticOptions = HolisticOptions(), verifyChecksums: Bool = true) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: modelsDirectory.path, isDirectory: &isDirectory),
              isDirectory.boolValue
        else { throw HolisticError.modelsDirectoryMissing(modelsDirectory) }
        let set = try HolisticModelSet(directory: modelsDirectory, verifyChecksums: verifyChecksums)
        let runtime = try set.makeRuntime()
        let threads = max(1, options.threadsPerModel)
        let poseThreads = max(1, options.poseThreads ?? threads)
        func make(_ m: HolisticModel, threads: Int = threads) throws -> LiteRtModel {
            try set.makeModel(m, runtime: runtime, threads: threads, onlyOutputsRead: true)
        }
        self.options = options
        poseDetection = try make(.poseDetection, threads: poseThreads)
        poseLandmark = try make(.poseLandmarkFull, threads: poseThreads)
        hands = try HandSide.allCases.map { _ in (try make(.handRecrop), try make(.handLandmarkFull)) }
        face = options.face
            ? (try make(.faceDetectionShortRange), try make(options.refineFace ? .faceLandmarkWithAttention : .faceLandmark))
            : nil
        for model in [poseDetection, poseLandmark] + hands.flatMap({ [$0.recrop, $0.landmarks] })
            + (face.map { [$0.detector, $0.landmarker] } ?? []) {
            try model.warmUp()
        }
    }

    /// Whether a tracker with `other` runs exactly these models (the same stages, files and threads).
    func serves(_ other: HolisticOptions) -> Bool {
        other.face == options.face && other.refineFace == options.refineFace && other.threadsPerModel == options.threadsPerModel
            && other.poseThreads == options.poseThreads
    }
}
