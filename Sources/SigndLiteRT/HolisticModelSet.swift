import Foundation

/// The seven pinned .tflite files of MediaPipe Holistic (mediapipe 0.10.21, model_complexity 1), as
/// extracted by `scripts/fetch-models` into `<models>/mediapipe/`. `faceLandmarkWithAttention` is the face
/// model of `refine_face_landmarks` (478 points, iris included; it needs `LiteRtModel(mediaPipeOps: true)`).
public enum HolisticModel: String, CaseIterable, Sendable, CustomStringConvertible {
    case poseDetection = "pose_detection"
    case poseLandmarkFull = "pose_landmark_full"
    case handRecrop = "hand_recrop"
    case handLandmarkFull = "hand_landmark_full"
    case faceDetectionShortRange = "face_detection_short_range"
    case faceLandmark = "face_landmark"
    case faceLandmarkWithAttention = "face_landmark_with_attention"

    public var fileName: String { rawValue + ".tflite" }
    public var description: String { rawValue }

    /// Path inside the mediapipe wheel, size and sha256: from `pins.tsv`, the table fetch-models reads too.
    public var wheelPath: String { Pin.named(fileName).origin }
    public var byteCount: Int { Pin.named(fileName).byteCount ?? 0 }
    public var sha256: String { Pin.named(fileName).sha256 }

    /// The outputs the landmark stages read, in the order they read them; nil: all of them. The other outputs
    /// and the operators only they need are dropped when the stages load the model (`makeModel(_:runtime:
    /// threads:onlyOutputsRead:)`): pose_landmark_full's segmentation mask (Identity_2) and world landmarks
    /// (Identity_4), which Holistic never reads, cost a third of the model's CPU time; hand_landmark_full's
    /// handedness and world landmarks two small dense layers (docs/holistic.md §3).
    public var outputsRead: [String]? {
        switch self {
        case .poseLandmarkFull: return ["Identity", "Identity_1", "Identity_3"]  // landmarks, presence flag, heatmap
        case .handLandmarkFull: return ["Identity", "Identity_1"]  // landmarks, presence
        default: return nil
        }
    }

    /// Input and output shapes (docs/holistic.md §4), in .tflite signature order.
    public var inputShape: [Int] {
        switch self {
        case .poseDetection: return [1, 224, 224, 3]
        case .poseLandmarkFull: return [1, 256, 256, 3]
        case .handRecrop: return [1, 256, 256, 3]
        case .handLandmarkFull: return [1, 224, 224, 3]
        case .faceDetectionShortRange: return [1, 128, 128, 3]
        case .faceLandmark, .faceLandmarkWithAttention: return [1, 192, 192, 3]
        }
    }
}

/// A models directory holding the LiteRT runtime and the seven Holistic models:
/// `<directory>/litert/libLiteRt.so` and `<directory>/mediapipe/<model>.tflite`.
///
/// `init` checks that every file is present with its pinned size and sha256 and reports the first bad
/// file by name (run `scripts/fetch-models <directory>` to repair); afterwards models can be created
/// without hashing again.
public struct HolisticModelSet: Sendable {
    public let directory: URL

    public var libraryURL: URL { directory.appendingPathComponent("litert/libLiteRt.so") }
    public func url(for model: HolisticModel) -> URL {
        directory.appendingPathComponent("mediapipe").appendingPathComponent(model.fileName)
    }

    /// - Parameter verifyChecksums: hash every file (≈ 25 MB; tens of ms). Sizes are always checked.
    public init(directory: URL, verifyChecksums: Bool = true) throws {
        self.directory = directory
        let library = directory.appendingPathComponent("litert/libLiteRt.so")
        guard FileManager.default.fileExists(atPath: library.path) else {
            throw LiteRtError.missingLibrary(
                path: library.path, reason: "no such file (run scripts/fetch-models \(directory.path))")
        }
        if verifyChecksums { try FileDigest.verify(library, sha256: LiteRtRuntime.pinnedSHA256) }
        for model in HolisticModel.allCases {
            let file = directory.appendingPathComponent("mediapipe").appendingPathComponent(model.fileName)
            try ModelFileCheck.validate(file, expectedByteCount: model.byteCount)
            if verifyChecksums { try FileDigest.verify(file, sha256: model.sha256) }
        }
    }

    /// Opens the runtime library (already verified by `init`).
    public func makeRuntime(logSeverity: LiteRtRuntime.LogSeverity = .error) throws -> LiteRtRuntime {
        try LiteRtRuntime(library: libraryURL, expectedSHA256: nil, logSeverity: logSeverity)
    }

    /// A new, independent instance of `model` (create one per thread that runs it).
    /// - Parameter onlyOutputsRead: run only `model.outputsRead` (bit-identical to the whole model's outputs of
    ///   those names, at less CPU); false: the file as MediaPipe ships it, every output.
    public func makeModel(_ model: HolisticModel, runtime: LiteRtRuntime, threads: Int = 1,
                          onlyOutputsRead: Bool = false) throws -> LiteRtModel {
        try LiteRtModel(runtime: runtime, file: url(for: model), expectedByteCount: model.byteCount, threads: threads,
                        mediaPipeOps: model == .faceLandmarkWithAttention,
                        keepingOutputs: onlyOutputsRead ? model.outputsRead : nil)
    }

    /// `$SIGND_MODELS_DIR` if set, else `Models/` under `base` (default: the current directory).
    public static func defaultDirectory(base: URL? = nil) -> URL {
        if let dir = ProcessInfo.processInfo.environment["SIGND_MODELS_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        let root = base ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return root.appendingPathComponent("Models")
    }
}
