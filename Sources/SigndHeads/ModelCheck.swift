import SigndCore
import SigndSTGCN
import SigndWindows

/// Where the faces given to the heads come from: it decides which face layouts a head may ask for, and
/// what a refusal tells the operator to change.
public enum FaceSupply: Sendable, Equatable {
    /// The live landmark stage: 468-point faces when `landmarks.face` is on (478 with `refine`), none otherwise.
    case landmarkStage(face: Bool, refine: Bool = false)
    /// Landmark files (`signd replay`, `signd eval`): each file is checked when it is read
    /// (`HeadPipeline.inputProblem`), since its face array may have 468 or 478 points or be absent.
    case inputFiles

    /// Why a head with a `wanted`-point face cannot run on this supply, nil when it can.
    func problem(wanted: Int) -> String? {
        switch self {
        case .inputFiles: return nil
        case .landmarkStage(face: false, _):
            let refine = wanted == HolisticLandmarks.refinedFaceJoints ? " and landmarks.refine_face: true" : ""
            return "its joint_layout includes a \(wanted)-point face; set landmarks.face: true\(refine)"
        case let .landmarkStage(face: true, refine):
            let have = HolisticLandmarks.faceJoints(refined: refine)
            if wanted == have { return nil }
            if wanted == HolisticLandmarks.refinedFaceJoints {
                return "its joint_layout has a \(wanted)-point face (MediaPipe's refine_face_landmarks, iris included) "
                    + "but the landmark stage produces \(have) points; set landmarks.refine_face: true"
            }
            return "its joint_layout has a \(wanted)-point face but the landmark stage produces \(have) points "
                + "(landmarks.refine_face is on); set landmarks.refine_face: false"
        }
    }

    /// Why frames with `have`-point faces (nil: none) cannot feed a head with a `wanted`-point face.
    static func fileProblem(wanted: Int, have: Int?) -> String? {
        switch have {
        case wanted: return nil
        case nil: return "its joint_layout includes a \(wanted)-point face but the file has no face array"
        case let have?: return "its joint_layout has a \(wanted)-point face but the file holds \(have)-point faces"
        }
    }
}

/// Checks a head's manifest against the landmarks the pipeline produces and returns the feature layout
/// that feeds it. Landmarks carry x, y, z per joint, so a model may ask for a prefix of those.
public enum ModelCheck {
    public static func featureLayout(of model: STGCNModel, name: String, face: FaceSupply) throws(HeadsError) -> FeatureLayout {
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
        if let wanted = entries.first(where: { $0.part == .face })?.joints, let problem = face.problem(wanted: wanted) {
            throw .layoutMismatch(model: name, problem: problem)
        }
        do {
            return try FeatureLayout(joints: JointLayout(entries: entries), channels: m.coords.count,
                                     faceJoints: entries.first { $0.part == .face }?.joints ?? HolisticLandmarks.faceJoints)
        } catch {
            throw .layoutMismatch(model: name, problem: error.description)
        }
    }
}
