import SigndCapture
import SigndCore

/// The landmark stage as the frame loop sees it: frames go in in source order and come out, in the same
/// order, as packets with their landmarks. A sequential stage hands each frame back from its own `submit`; a
/// pipelined one hands it back later, from a later `submit`, from `finished()` after it woke the loop, or
/// from `drain()`. The loop times the stage from outside, from `submit` to the packet coming back.
protocol LandmarkStage: AnyObject {
    /// Takes the next frame; returns the frames whose landmarks are done (maybe none yet), oldest first.
    func submit(_ frame: Frame) -> [FramePacket]
    /// The frames done since the last call, without waiting.
    func finished() -> [FramePacket]
    /// Waits for every frame still in the stage and returns them (before a gap, at the end of the run).
    func drain() -> [FramePacket]
    /// Forget tracking state (after a source gap). Only called when the stage is drained.
    func reset()
    /// Frames whose landmarks failed since start (they got empty records); health compares intervals.
    var failures: Int { get }
}

/// `landmarks.enabled: false`: frames flow through with empty records (capture/event benchmarking).
final class NoLandmarkStage: LandmarkStage {
    private let faceJoints: Int?
    init(faceJoints: Int?) { self.faceJoints = faceJoints }
    func submit(_ frame: Frame) -> [FramePacket] { [FramePacket(frame: frame, landmarks: .empty(faceJoints: faceJoints))] }
    func finished() -> [FramePacket] { [] }
    func drain() -> [FramePacket] { [] }
    func reset() {}
    var failures: Int { 0 }
}
