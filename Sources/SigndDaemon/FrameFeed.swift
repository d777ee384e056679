import SigndCapture
import SigndCore
import SigndConfig

/// What the frame loop gets when it asks for the next frame.
enum FeedResult {
    case frame(Frame)
    /// No new frame yet (live source between frames, or reconnecting): loop again.
    case idle
    case finished
}

/// One interface over the two ways frames arrive: every frame of a file in order (as fast as the pipeline
/// runs), or the newest frame of a live/paced source from the grab thread.
protocol FrameFeed: AnyObject {
    /// What the source reported at start; nil for a live source that was not available yet.
    var info: SourceInfo? { get }
    var droppedFrames: Int { get }
    func next() -> FeedResult
    /// Makes a `next()` that is waiting for a frame return `.idle` now: a stage finished work on its own
    /// thread and the loop should take it. Callable from any thread.
    var waker: @Sendable () -> Void { get }
    func stop()
}

/// Files processed as fast as possible: every frame, none dropped; loops when asked to.
final class FileFeed: FrameFeed {
    private var reader: VideoReader
    private let timeouts: CaptureTimeouts
    private let options: CaptureOptions
    private let loop: Bool
    private let onEvent: @Sendable (CaptureEvent) -> Void
    private var stopped = false
    private var nextIndex = 0
    let info: SourceInfo?
    var droppedFrames: Int { 0 }

    init(path: String, timeouts: CaptureTimeouts, options: CaptureOptions, loop: Bool,
         onEvent: @escaping @Sendable (CaptureEvent) -> Void) throws(CaptureError) {
        reader = try VideoReader(.file(path: path), timeouts: timeouts, options: options)
        info = reader.info
        self.timeouts = timeouts
        self.options = options
        self.loop = loop
        self.onEvent = onEvent
        onEvent(.opened(reader.info))
    }

    func next() -> FeedResult {
        guard !stopped else { return .finished }
        do {
            if let frame = try reader.next() {
                nextIndex = frame.stamp.index + 1
                return .frame(frame)
            }
        } catch {
            onEvent(.failed(error.description))
            return .finished
        }
        onEvent(.ended(frames: reader.framesRead, truncated: reader.endedEarly))
        // Looping keeps frame indices increasing, so windows and sequence numbers never go backwards.
        guard loop, nextIndex > 0, !stopped,
              let again = try? VideoReader(reader.spec, timeouts: timeouts, options: options, firstIndex: nextIndex, epoch: reader.epoch + 1)
        else { return .finished }
        reader = again
        onEvent(.opened(again.info))
        return .idle
    }

    /// `next()` never waits on a file.
    var waker: @Sendable () -> Void { {} }

    func stop() { stopped = true }
}

/// Cameras, network streams and files played at their native rate: the grab thread keeps the newest frame.
final class LiveFeed: FrameFeed {
    private let capture: LiveCapture
    let info: SourceInfo?
    var droppedFrames: Int { capture.droppedFrames }

    init(capture: LiveCapture) throws(CaptureError) {
        self.capture = capture
        info = try capture.start()
    }

    func next() -> FeedResult {
        if let frame = capture.nextFrame(timeout: .milliseconds(250)) { return .frame(frame) }
        return capture.isFinished ? .finished : .idle
    }

    var waker: @Sendable () -> Void { { [capture] in capture.wake() } }

    func stop() { capture.stop() }
}

/// How work finished on another thread wakes the loop's wait for the next frame. A stage is made before the
/// feed (models load before the source opens, or the grab thread would count frames dropped during the load),
/// so the feed's waker is attached once it exists; until then there is no wait to end.
final class LoopWake: Sendable {
    private let waker = Locked<(@Sendable () -> Void)?>(nil)

    func attach(_ feed: FrameFeed) {
        let wake = feed.waker
        waker.withLock { $0 = wake }
    }

    func callAsFunction() { waker.withLock { $0 }?() }
}
