import SigndCapture
import SigndCore

/// The landmark stage as the frame loop sees it: one frame in, one landmark record out.
protocol LandmarkStage: AnyObject {
    func landmarks(for frame: Frame) -> HolisticLandmarks
    /// Forget tracking state (after a source gap).
    func reset()
    /// Frames whose landmarks failed since start (they got empty records); health compares intervals.
    var failures: Int { get }
}

/// `landmarks.enabled: false`: frames flow through with empty records (capture/event benchmarking).
final class NoLandmarkStage: LandmarkStage {
    private let faceJoints: Int?
    init(faceJoints: Int?) { self.faceJoints = faceJoints }
    func landmarks(for frame: Frame) -> HolisticLandmarks { .empty(faceJoints: faceJoints) }
    func reset() {}
    var failures: Int { 0 }
}
