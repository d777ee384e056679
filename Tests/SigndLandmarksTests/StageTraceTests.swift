import Foundation
import SigndCapture
import SigndLiteRT
import SigndTestSupport
import XCTest
@testable import SigndLandmarks

/// Diagnostics for parity work: with SIGND_STAGE_TRACE=<video>:<out.json> set, writes our per-frame ROIs and
/// landmarks in the layout of Tools/mediapipe_stages.py so `Tools/mediapipe_stages.py compare` can find the first frame
/// where a stage diverges from MediaPipe. Skipped otherwise.
final class StageTraceTests: XCTestCase {
    func testWriteStageTrace() throws {
        guard let spec = ProcessInfo.processInfo.environment["SIGND_STAGE_TRACE"] else {
            throw XCTSkip("set SIGND_STAGE_TRACE=<video>:<out.json> to write a stage trace")
        }
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        XCTAssertEqual(parts.count, 2, "SIGND_STAGE_TRACE must be <video>:<out.json>")
        let tracker = try HolisticTracker(modelsDirectory: TestPaths.models, options: HolisticOptions(face: true))
        let reader = try VideoReader(.file(path: parts[0]))
        // Separate hand stages (own models) to recompute each frame's pose-based and re-crop hand rects.
        let set = try HolisticModelSet(directory: TestPaths.models)
        let runtime = try set.makeRuntime()
        let hands = try HandSide.allCases.map {
            HandStage(side: $0, recrop: try set.makeModel(.handRecrop, runtime: runtime),
                      landmarks: try set.makeModel(.handLandmarkFull, runtime: runtime))
        }
        var frames: [[String: Any]] = []
        func rect(_ r: NormRect?) -> Any { r.map { [$0.xCenter, $0.yCenter, $0.width, $0.height, $0.rotation].map(Double.init) } ?? NSNull() }
        func lms(_ v: [Float]?, _ c: Int) -> Any {
            guard let v, v.contains(where: { !$0.isNaN }) else { return NSNull() }
            return stride(from: 0, to: v.count, by: c).map { i in (0..<c).map { Double(v[i + $0]) } }
        }
        while let frame = try reader.next() {
            let lm = try tracker.process(image: frame.image, timestampMicros: Int64(frames.count + 1) * 33_333)
            let info = tracker.lastFrameInfo
            var handRects: [String: Any] = [:]
            if lm.hasPose {
                let pose = stride(from: 0, to: 33 * 4, by: 4).map {
                    Landmark(x: lm.pose[$0], y: lm.pose[$0 + 1], z: lm.pose[$0 + 2], visibility: lm.pose[$0 + 3])
                }
                for (stage, key) in zip(hands, ["lh", "rh"]) where pose[stage.side.wrist].visibility >= 0.1 {
                    let fromPose = stage.roiFromPose(pose, size: ImageSize(width: frame.image.width, height: frame.image.height))
                    handRects[key + "_roi_from_pose"] = rect(fromPose)
                    let recrop: NormRect = try withExtendedLifetime(frame.image) {
                        try stage.recropRect(BGRFrameView(frame.image), from: fromPose)
                    }
                    handRects[key + "_roi_from_recrop"] = rect(recrop)
                }
            }
            frames.append(handRects.merging([
                "pose_rect": rect(info.poseRoi), "lh_roi": rect(info.leftHandRoi), "rh_roi": rect(info.rightHandRoi),
                "face_roi": rect(info.faceRoi), "ran_detector": info.ranPoseDetector,
                "pose": lms(lm.pose, 4), "lh": lms(lm.leftHand, 3), "rh": lms(lm.rightHand, 3), "face": lms(lm.face, 3),
            ]) { $1 })
        }
        let data = try JSONSerialization.data(withJSONObject: frames)
        try data.write(to: URL(fileURLWithPath: parts[1]))
        print("stage trace: \(frames.count) frames → \(parts[1])")
    }
}
