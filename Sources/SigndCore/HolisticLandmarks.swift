/// MediaPipe-Holistic-compatible landmarks of one frame, in MediaPipe normalized image coordinates
/// (x, y in [0,1] of width/height; z as MediaPipe defines it). A part that was not detected is all NaN,
/// which is how the seed `.npz` files store it; models see it as 0 (the seed's rule, applied by the windows).
public struct HolisticLandmarks: Sendable, Equatable {
    public static let poseJoints = 33
    public static let poseChannels = 4      // x, y, z, visibility
    public static let handJoints = 21
    public static let handChannels = 3      // x, y, z
    public static let faceJoints = 468      // face_landmark without attention (no iris): the live stage's default
    /// With MediaPipe's `refine_face_landmarks` (iris included): the seed's `.npz` files and upstream's
    /// group-classifier preprocessing; the live stage with `landmarks.refine_face`.
    public static let refinedFaceJoints = 478
    public static let faceJointCounts = [faceJoints, refinedFaceJoints]
    /// The face's points from the landmark stage: 468, or 478 with `refine_face`.
    public static func faceJoints(refined: Bool) -> Int { refined ? refinedFaceJoints : faceJoints }
    public static let faceChannels = 3

    /// 33 × (x, y, z, visibility), row-major.
    public var pose: [Float]
    /// The person's left hand (at pose joint 15), 21 × (x, y, z).
    public var leftHand: [Float]
    /// The person's right hand (at pose joint 16), 21 × (x, y, z).
    public var rightHand: [Float]
    /// 468 (or, from a landmark file, 478) × (x, y, z); `nil` when there is no face stage or array.
    public var face: [Float]?

    public init(pose: [Float], leftHand: [Float], rightHand: [Float], face: [Float]?) {
        precondition(pose.count == Self.poseJoints * Self.poseChannels, "pose must hold 33×4 values")
        precondition(leftHand.count == Self.handJoints * Self.handChannels, "left hand must hold 21×3 values")
        precondition(rightHand.count == Self.handJoints * Self.handChannels, "right hand must hold 21×3 values")
        if let face {
            precondition(Self.faceJointCounts.contains { face.count == $0 * Self.faceChannels }, "face must hold 468×3 or 478×3 values")
        }
        self.pose = pose
        self.leftHand = leftHand
        self.rightHand = rightHand
        self.face = face
    }

    /// A frame in which nothing was detected (or no landmark stage ran).
    public static func empty(withFace: Bool = false) -> HolisticLandmarks {
        empty(faceJoints: withFace ? faceJoints : nil)
    }

    /// A frame in which nothing was detected, with a face array of `faceJoints` points (nil: none).
    public static func empty(faceJoints: Int?) -> HolisticLandmarks {
        HolisticLandmarks(
            pose: .init(repeating: .nan, count: poseJoints * poseChannels),
            leftHand: .init(repeating: .nan, count: handJoints * handChannels),
            rightHand: .init(repeating: .nan, count: handJoints * handChannels),
            face: faceJoints.map { .init(repeating: .nan, count: $0 * faceChannels) }
        )
    }

    /// Points of the face array (468 or 478), nil without one.
    public var faceJointCount: Int? { face.map { $0.count / Self.faceChannels } }

    public var hasPose: Bool { pose.contains { !$0.isNaN } }
    public var hasLeftHand: Bool { leftHand.contains { !$0.isNaN } }
    public var hasRightHand: Bool { rightHand.contains { !$0.isNaN } }
    public var hasFace: Bool { face?.contains { !$0.isNaN } ?? false }
}
