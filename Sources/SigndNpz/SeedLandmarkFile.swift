import Foundation
import SigndCore

/// Converts between per-frame `HolisticLandmarks` and the seed `.npz` layout.
public enum SeedLandmarkFile {
    /// Writes `pose` (T,33,4), `left_hand` (T,21,3), `right_hand` (T,21,3) and, when every frame has a face
    /// array of one size, `face` (T,468|478,3). NaN marks parts that were not detected.
    public static func write(_ frames: [HolisticLandmarks], to url: URL) throws(NpyError) {
        let t = frames.count
        var arrays: [(name: String, array: NpyArray)] = [
            ("pose", NpyArray(shape: [t, 33, 4], values: frames.flatMap(\.pose))),
            ("left_hand", NpyArray(shape: [t, 21, 3], values: frames.flatMap(\.leftHand))),
            ("right_hand", NpyArray(shape: [t, 21, 3], values: frames.flatMap(\.rightHand))),
        ]
        if t > 0, let points = frames[0].faceJointCount, frames.allSatisfy({ $0.faceJointCount == points }) {
            arrays.append(("face", NpyArray(shape: [t, points, 3], values: frames.flatMap { $0.face! })))
        }
        try NpzArchive.write(arrays, to: url)
    }

    /// Reads a seed file into per-frame landmarks. Missing parts are NaN; extra channels are cut and
    /// missing channels NaN-padded (the files may store fewer channels than MediaPipe produces). A face has
    /// MediaPipe's 468 points or, refined (iris included), 478; any other count is an error.
    public static func read(_ url: URL) throws(NpyError) -> [HolisticLandmarks] {
        let arrays = try NpzArchive.read(url)
        var t: Int?
        for name in ["pose", "left_hand", "right_hand", "face"] {
            guard let array = arrays[name] else { continue }
            guard array.shape.count == 3 else {
                throw .badHeader(member: "\(url.lastPathComponent):\(name)", reason: "expected 3 dimensions (T, joints, channels), got \(array.shape)")
            }
            if let t, t != array.shape[0] {
                throw .badHeader(member: "\(url.lastPathComponent):\(name)", reason: "has \(array.shape[0]) frames but another part has \(t)")
            }
            t = array.shape[0]
        }
        guard let frameCount = t else { throw .missingMember(path: url.path, member: "pose|left_hand|right_hand") }

        func part(_ name: String, joints: Int, channels: Int) throws(NpyError) -> [[Float]]? {
            guard let array = arrays[name] else { return nil }
            guard array.shape[1] == joints else {
                throw .badHeader(member: "\(url.lastPathComponent):\(name)", reason: "expected \(joints) joints, got \(array.shape[1])")
            }
            let stored = array.shape[2]
            return (0..<frameCount).map { f in
                var out = [Float](repeating: .nan, count: joints * channels)
                for j in 0..<joints {
                    for c in 0..<min(channels, stored) { out[j * channels + c] = array.values[(f * joints + j) * stored + c] }
                }
                return out
            }
        }
        let pose = try part("pose", joints: 33, channels: 4)
        let left = try part("left_hand", joints: 21, channels: 3)
        let right = try part("right_hand", joints: 21, channels: 3)
        let faceJoints = arrays["face"]?.shape[1]
        if let faceJoints, !HolisticLandmarks.faceJointCounts.contains(faceJoints) {
            throw .badHeader(member: "\(url.lastPathComponent):face", reason: "expected 468 or 478 joints, got \(faceJoints)")
        }
        let face = try faceJoints.flatMap { points throws(NpyError) in try part("face", joints: points, channels: 3) }
        let empty = HolisticLandmarks.empty()
        return (0..<frameCount).map { f in
            HolisticLandmarks(pose: pose?[f] ?? empty.pose, leftHand: left?[f] ?? empty.leftHand,
                              rightHand: right?[f] ?? empty.rightHand, face: face?[f])
        }
    }
}
