/// Identity and timing of one captured frame; travels with the frame through every stage.
public struct FrameStamp: Sendable, Hashable {
    /// 0-based index of the frame among those this source delivered since the daemon started.
    public var index: Int
    /// When the grab thread received the frame (CLOCK_MONOTONIC, ns).
    public var captureNanos: UInt64
    /// The source's own position in milliseconds (container PTS for files/RTSP), when it reports one.
    public var sourceMillis: Double?
    /// Which run of the source delivered the frame: 0 from the first open, one more at every reopen (a
    /// reconnection, a looped file). The gap between runs travels with the frames: a frame of a new epoch
    /// ends the windows and the segment of the old one, and a late frame of an old epoch is dropped.
    public var epoch: Int

    public init(index: Int, captureNanos: UInt64, sourceMillis: Double?, epoch: Int = 0) {
        self.index = index
        self.captureNanos = captureNanos
        self.sourceMillis = sourceMillis
        self.epoch = epoch
    }
}
