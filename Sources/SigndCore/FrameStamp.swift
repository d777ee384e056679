/// Identity and timing of one captured frame; travels with the frame through every stage.
public struct FrameStamp: Sendable, Hashable {
    /// 0-based index of the frame among those this source delivered since the daemon started.
    public var index: Int
    /// When the grab thread received the frame (CLOCK_MONOTONIC, ns).
    public var captureNanos: UInt64
    /// The source's own position in milliseconds (container PTS for files/RTSP), when it reports one.
    public var sourceMillis: Double?

    public init(index: Int, captureNanos: UInt64, sourceMillis: Double?) {
        self.index = index
        self.captureNanos = captureNanos
        self.sourceMillis = sourceMillis
    }
}
