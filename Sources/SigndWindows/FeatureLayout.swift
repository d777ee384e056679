import SigndCore

/// How one frame's landmarks become a model's per-frame features: the parts of `joints` in order, each
/// joint's first `channels` values (x, y[, z]). NaN stays NaN here (the model applies the seed's NaN→0).
public struct FeatureLayout: Sendable, Hashable {
    public var joints: JointLayout
    public var channels: Int

    /// `faceJoints`: the points of the faces this layout will be given (468 live, 468 or 478 from files).
    public init(joints: JointLayout, channels: Int, faceJoints: Int = HolisticLandmarks.faceJoints) throws(WindowError) {
        guard (1...3).contains(channels) else { throw .invalidChannels(channels) }
        for entry in joints.entries {
            let expected: Int
            switch entry.part {
            case .pose: expected = HolisticLandmarks.poseJoints
            case .leftHand, .rightHand: expected = HolisticLandmarks.handJoints
            case .face: expected = faceJoints
            }
            guard entry.joints == expected else { throw .unsupportedPart(entry.part.rawValue, joints: entry.joints, produced: expected) }
        }
        self.joints = joints
        self.channels = channels
    }

    /// Values per frame: J·C.
    public var valuesPerFrame: Int { joints.jointCount * channels }

    /// The face points this layout reads, nil when it has no face part.
    public var faceJoints: Int? { joints.entries.first { $0.part == .face }?.joints }

    /// Writes the frame's features into `out` (exactly `valuesPerFrame` floats).
    public func write(_ landmarks: HolisticLandmarks, into out: UnsafeMutablePointer<Float>) {
        var o = 0
        for entry in joints.entries {
            let (source, stored): ([Float]?, Int) = switch entry.part {
            case .pose: (landmarks.pose, HolisticLandmarks.poseChannels)
            case .leftHand: (landmarks.leftHand, HolisticLandmarks.handChannels)
            case .rightHand: (landmarks.rightHand, HolisticLandmarks.handChannels)
            case .face: (landmarks.face, HolisticLandmarks.faceChannels)
            }
            // A face of another size than the layout's (a 468-point face for a 478-point head) reads as missing.
            let usable = source.flatMap { $0.count == entry.joints * stored ? $0 : nil }
            for j in 0..<entry.joints {
                for c in 0..<channels {
                    out[o] = usable.map { $0[j * stored + c] } ?? .nan
                    o += 1
                }
            }
        }
    }
}

public enum WindowError: Error, Equatable, CustomStringConvertible {
    case invalidChannels(Int)
    case unsupportedPart(String, joints: Int, produced: Int)
    case invalidWindow(length: Int, stride: Int)

    public var description: String {
        switch self {
        case .invalidChannels(let c): return "coords: \(c) channels requested; landmarks provide 1 to 3 (x, y, z)"
        case .unsupportedPart(let part, let joints, let produced):
            return "joint layout: part '\(part)' has \(joints) joints but the landmark stage produces \(produced)"
        case .invalidWindow(let length, let stride):
            return "windows: window \(length) and stride \(stride) must both be ≥ 1"
        }
    }
}
