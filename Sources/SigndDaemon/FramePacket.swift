import SigndCapture
import SigndCore
import SigndEvents
import SigndHeads

/// One frame on its way through the loop: capture → landmarks → windows → heads → events. Each stage adds
/// its part and reads only what earlier stages wrote; the loop times every stage from outside
/// (`FrameTimings.measure`), so no stage carries timing fields.
struct FramePacket {
    /// From capture: the image and its stamp (index among the source's frames, source epoch, capture time).
    /// A new epoch is a source gap, carried by the frame itself.
    let frame: Frame
    /// From the landmark stage (empty records when it failed or is off).
    let landmarks: HolisticLandmarks
    /// From the heads (nil without heads): the window score, segment transitions and signs of this frame.
    var step: HeadStep?

    var stamp: FrameStamp { frame.stamp }
    /// The raw P(signing) of the window this frame completed, for its `frame` event.
    var probability: Double? { step?.score?.raw }
}
