import Foundation

/// One loaded network that takes a single NHWC float32 input and returns its outputs in model order.
/// Implementations own their buffers and are used by one thread at a time.
public protocol InferenceModel: AnyObject {
    /// Number of float32 values the input tensor holds.
    var inputElementCount: Int { get }
    /// Runs the network on `input` (exactly `inputElementCount` values).
    func run(input: [Float]) throws -> [[Float]]
}

/// The six networks of Holistic's default model set (spec §1, §2.1).
public enum HolisticModel: String, CaseIterable, Sendable {
    case poseDetection = "pose_detection"
    case poseLandmarkFull = "pose_landmark_full"
    case handRecrop = "hand_recrop"
    case handLandmarkFull = "hand_landmark_full"
    case faceDetectionShortRange = "face_detection_short_range"
    case faceLandmark = "face_landmark"

    public var fileName: String { rawValue + ".tflite" }
}

/// Creates model instances (the pipeline needs two of each hand model, one per hand).
public protocol InferenceModelFactory {
    func make(_ model: HolisticModel) throws -> InferenceModel
}
