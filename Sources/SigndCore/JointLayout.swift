/// The parts a model sees, concatenated on the joint axis in the seed's fixed order:
/// pose 0–32, left hand 33–53, right hand 54–74, face after them.
public struct JointLayout: Sendable, Hashable, Codable {
    public enum Part: String, Sendable, Hashable, Codable, CaseIterable {
        case pose, leftHand = "left_hand", rightHand = "right_hand", face
    }

    public struct Entry: Sendable, Hashable, Codable {
        public var part: Part
        public var joints: Int
        public init(part: Part, joints: Int) { self.part = part; self.joints = joints }
    }

    public var entries: [Entry]
    public init(entries: [Entry]) { self.entries = entries }

    /// Total joint count J.
    public var jointCount: Int { entries.reduce(0) { $0 + $1.joints } }

    /// Pose 33 + hands 21 + 21: J = 75, the layout signd's default models use.
    public static let poseAndHands = JointLayout(entries: [
        .init(part: .pose, joints: 33), .init(part: .leftHand, joints: 21), .init(part: .rightHand, joints: 21),
    ])
}
