import SigndCore
import SigndSTGCN
import SigndWindows

/// Checks a head's manifest against the landmarks the pipeline produces and returns the feature layout
/// that feeds it. Landmarks carry x, y, z per joint, so a model may ask for a prefix of those.
public enum ModelCheck {
    public static func featureLayout(of model: STGCNModel, name: String, faceAvailable: Bool) throws(HeadsError) -> FeatureLayout {
        let m = model.manifest
        var entries: [JointLayout.Entry] = []
        for part in m.jointLayout {
            guard let kind = JointLayout.Part(rawValue: part.part) else {
                throw .layoutMismatch(model: name, problem: "joint_layout part '\(part.part)' is not one of pose, left_hand, right_hand, face")
            }
            entries.append(.init(part: kind, joints: part.joints))
        }
        let known = ["x", "y", "z"]
        guard m.coords.count <= known.count, Array(known.prefix(m.coords.count)) == m.coords else {
            throw .layoutMismatch(model: name, problem: "coords \(m.coords) are not a prefix of the landmarks' [x, y, z]")
        }
        let layout: FeatureLayout
        do { layout = try FeatureLayout(joints: JointLayout(entries: entries), channels: m.coords.count) } catch {
            throw .layoutMismatch(model: name, problem: error.description)
        }
        if layout.needsFace && !faceAvailable {
            throw .layoutMismatch(model: name, problem: "its joint_layout includes the face; set landmarks.face: true")
        }
        return layout
    }
}
