import Foundation

/// The six pinned .tflite files of MediaPipe Holistic (mediapipe 0.10.21, model_complexity 1), as
/// extracted by `scripts/fetch-models` into `<models>/mediapipe/`.
public enum HolisticModel: String, CaseIterable, Sendable, CustomStringConvertible {
    case poseDetection = "pose_detection"
    case poseLandmarkFull = "pose_landmark_full"
    case handRecrop = "hand_recrop"
    case handLandmarkFull = "hand_landmark_full"
    case faceDetectionShortRange = "face_detection_short_range"
    case faceLandmark = "face_landmark"

    public var fileName: String { rawValue + ".tflite" }
    public var description: String { rawValue }

    /// Path inside the mediapipe wheel.
    public var wheelPath: String {
        switch self {
        case .poseDetection: return "mediapipe/modules/pose_detection/pose_detection.tflite"
        case .poseLandmarkFull: return "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
        case .handRecrop: return "mediapipe/modules/holistic_landmark/hand_recrop.tflite"
        case .handLandmarkFull: return "mediapipe/modules/hand_landmark/hand_landmark_full.tflite"
        case .faceDetectionShortRange: return "mediapipe/modules/face_detection/face_detection_short_range.tflite"
        case .faceLandmark: return "mediapipe/modules/face_landmark/face_landmark.tflite"
        }
    }

    public var byteCount: Int {
        switch self {
        case .poseDetection: return 2_959_046
        case .poseLandmarkFull: return 6_440_512
        case .handRecrop: return 123_792
        case .handLandmarkFull: return 5_478_917
        case .faceDetectionShortRange: return 229_714
        case .faceLandmark: return 1_242_398
        }
    }

    public var sha256: String {
        switch self {
        case .poseDetection: return "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"
        case .poseLandmarkFull: return "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"
        case .handRecrop: return "67d996ce96f9d36fe17d2693022c6da93168026ab2f028f9e2365398d8ac7d5d"
        case .handLandmarkFull: return "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3"
        case .faceDetectionShortRange: return "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8"
        case .faceLandmark: return "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814"
        }
    }

    /// Input and output shapes (spec §4), in .tflite signature order.
    public var inputShape: [Int] {
        switch self {
        case .poseDetection: return [1, 224, 224, 3]
        case .poseLandmarkFull: return [1, 256, 256, 3]
        case .handRecrop: return [1, 256, 256, 3]
        case .handLandmarkFull: return [1, 224, 224, 3]
        case .faceDetectionShortRange: return [1, 128, 128, 3]
        case .faceLandmark: return [1, 192, 192, 3]
        }
    }
}

/// A models directory holding the LiteRT runtime and the six Holistic models:
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
    public func makeModel(_ model: HolisticModel, runtime: LiteRtRuntime, threads: Int = 1) throws -> LiteRtModel {
        try LiteRtModel(runtime: runtime, file: url(for: model), expectedByteCount: model.byteCount, threads: threads)
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
