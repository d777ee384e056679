import Foundation
import SigndCore

/// What happens to a source over time; the daemon turns these into `source` events.
public enum CaptureEvent: Sendable, Equatable {
    case opened(SourceInfo)
    /// The source stopped delivering (read timeout, connection loss, device unplugged).
    case lost(reason: String, lastFrame: Int?)
    case reconnecting(attempt: Int, delayMillis: Int)
    case reconnected(SourceInfo)
    /// A file reached its end. `truncated` when it ended before the frame count its container reports.
    case ended(frames: Int, truncated: Bool)
    /// The source could not be (re)opened and will not be retried.
    case failed(String)
}

/// Capped exponential backoff between reconnection attempts.
public struct ReconnectPolicy: Sendable, Equatable {
    public var initialDelayMillis: Int
    public var maxDelayMillis: Int
    /// nil: retry forever (a kiosk camera should come back by itself).
    public var maxAttempts: Int?

    public init(initialDelayMillis: Int = 500, maxDelayMillis: Int = 10_000, maxAttempts: Int? = nil) {
        self.initialDelayMillis = initialDelayMillis
        self.maxDelayMillis = maxDelayMillis
        self.maxAttempts = maxAttempts
    }

    /// Delay before attempt `n` (1-based): initial·2^(n−1), capped.
    public func delayMillis(attempt: Int) -> Int {
        let shift = min(max(attempt - 1, 0), 20)
        return min(maxDelayMillis, initialDelayMillis << shift)
    }
}

/// A grab thread that always holds only the newest frame, so a slow consumer sees fresh frames instead of a
/// growing queue (no latency drift). Used for cameras and network streams, and for files played at their
/// native rate (`paced`). Frames that are replaced before the consumer takes them are counted as dropped.
public final class LiveCapture: @unchecked Sendable {
    public let spec: SourceSpec
    private let timeouts: CaptureTimeouts
    private let options: CaptureOptions
    private let policy: ReconnectPolicy
    private let paced: Bool
    private let loop: Bool
    private let onEvent: @Sendable (CaptureEvent) -> Void

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var latest: Frame?
    private var latestTaken = true
    private var dropped = 0
    private var delivered = 0
    private var finished = false
    private var stopRequested = false
    /// `wake()` was called: the next (or current) wait in `nextFrame` returns at once.
    private var wakeRequested = false
    private var thread: Thread?

    /// - Parameters:
    ///   - paced: play a file at its native frame rate (ignored for live sources, which pace themselves).
    ///   - onEvent: called on the grab thread; keep it short.
    public init(
        _ spec: SourceSpec, timeouts: CaptureTimeouts = .init(), options: CaptureOptions = .init(), reconnect: ReconnectPolicy = .init(),
        paced: Bool = true, loop: Bool = false, onEvent: @escaping @Sendable (CaptureEvent) -> Void = { _ in }
    ) {
        self.spec = spec
        self.timeouts = timeouts
        self.options = options
        self.policy = reconnect
        self.paced = paced
        self.loop = loop
        self.onEvent = onEvent
    }

    deinit { stop() }

    /// Starts the grab thread. A file is opened here, so a wrong path fails at once, and what it reports is
    /// returned. A live source is opened on the grab thread (nil is returned): an open can block for
    /// `open_timeout_ms`, and neither a stop request nor the daemon's start may wait for it. One that cannot
    /// be opened (a camera that enumerates late, an NVR that boots slower than the kiosk) is reported `lost`
    /// and retried like a lost one; `opened` follows when it comes.
    @discardableResult
    public func start() throws(CaptureError) -> SourceInfo? {
        var reader: VideoReader?
        if !spec.isLive {
            let file = try VideoReader(spec, timeouts: timeouts, options: options)
            onEvent(.opened(file.info))
            reader = file
        }
        let box = ReaderBox(reader)
        // Weak: `self.thread` holds the Thread, which holds this closure until the Thread is freed, so a
        // strong capture was a cycle that kept the capture (and what `onEvent` captures) alive forever.
        // The running loop keeps `self` alive through `self?.grabLoop`; once it returns, nothing does.
        let thread = Thread { [weak self] in self?.grabLoop(box.take()) }
        thread.name = "signd-grab"
        thread.qualityOfService = .userInteractive
        condition.lock()
        self.thread = thread
        condition.unlock()
        thread.start()
        return reader?.info
    }

    /// Stops the grab thread; waiting consumers return nil.
    public func stop() {
        condition.lock()
        stopRequested = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits up to `timeout` for a frame newer than the last one taken. Returns nil on timeout or once the
    /// source has finished (check `isFinished`).
    public func nextFrame(timeout: Duration) -> Frame? {
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while latestTaken && !finished && !stopRequested && !wakeRequested {
            if !condition.wait(until: deadline) { break }
        }
        wakeRequested = false
        guard !latestTaken, let frame = latest else { return nil }
        latestTaken = true
        return frame
    }

    /// Makes the consumer's wait in `nextFrame` return now (nil unless a frame is there), or its next wait
    /// if it is not waiting: another thread has work for the consumer (the daemon's pipelined landmarks
    /// finished a frame). Safe from any thread.
    public func wake() {
        condition.lock()
        wakeRequested = true
        condition.broadcast()
        condition.unlock()
    }

    /// Frames the grab thread replaced before the consumer took them.
    public var droppedFrames: Int { condition.withLock { dropped } }
    /// Frames the grab thread received.
    public var receivedFrames: Int { condition.withLock { delivered } }
    /// True once a file has ended, reconnection was given up, or `stop()` was called — and the last
    /// frame has been taken.
    public var isFinished: Bool { condition.withLock { (finished || stopRequested) && latestTaken } }

    private var shouldStop: Bool { condition.withLock { stopRequested } }

    private func publish(_ frame: Frame) {
        condition.lock()
        if !latestTaken { dropped += 1 }
        latest = frame
        latestTaken = false
        delivered += 1
        condition.broadcast()
        condition.unlock()
    }

    private func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    private func grabLoop(_ first: VideoReader?) {
        var reader: VideoReader? = first ?? firstOpen()
        var nextIndex = 0
        var runFirstIndex = 0   // index of the first frame of this pass over a looping file
        var pacingStart: UInt64 = 0
        defer { finish() }
        while !shouldStop {
            guard let current = reader else { return }
            do {
                if var frame = try current.next() {
                    if paced, !spec.isLive {
                        pace(frame: frame, start: &pacingStart, fps: current.info.fps, delivered: frame.stamp.index - runFirstIndex)
                        // A paced file stands in for a camera: its frame is captured when it is due, not when
                        // the decoder got ahead of the clock (otherwise latency would include the pacing wait).
                        var stamp = frame.stamp
                        stamp.captureNanos = Clock.monotonicNanos()
                        frame = Frame(stamp: stamp, image: frame.image)
                    }
                    nextIndex = frame.stamp.index + 1
                    publish(frame)
                    continue
                }
                if !spec.isLive {
                    onEvent(.ended(frames: current.framesRead, truncated: current.endedEarly))
                    // Looping (`source.loop`): the file starts again one frame interval later, as a camera's next
                    // frame would; indices keep increasing and the epoch moves on, as FileFeed does.
                    guard loop, nextIndex > 0, !shouldStop,
                          let again = try? VideoReader(spec, timeouts: timeouts, options: options, firstIndex: nextIndex,
                                                       epoch: current.epoch + 1)
                    else { return }
                    current.close()
                    onEvent(.opened(again.info))
                    reader = again
                    runFirstIndex = nextIndex
                    pacingStart = Clock.monotonicNanos() + UInt64(1e9 / max(again.info.fps, 1))
                    continue
                }
                onEvent(.lost(reason: "no frame within \(timeouts.readMillis) ms or the stream closed", lastFrame: nextIndex > 0 ? nextIndex - 1 : nil))
            } catch {
                if !spec.isLive {
                    onEvent(.failed(error.description))
                    return
                }
                onEvent(.lost(reason: error.description, lastFrame: nextIndex > 0 ? nextIndex - 1 : nil))
            }
            current.close()
            reader = reconnect(firstIndex: nextIndex, epoch: current.epoch + 1, everOpened: true)
        }
    }

    /// The first open of a live source: at once, then as a reconnection.
    private func firstOpen() -> VideoReader? {
        do {
            let reader = try VideoReader(spec, timeouts: timeouts, options: options)
            onEvent(.opened(reader.info))
            return reader
        } catch {
            if shouldStop { return nil }
            onEvent(.lost(reason: error.description, lastFrame: nil))
            return reconnect(firstIndex: 0, epoch: 0, everOpened: false)
        }
    }

    /// Reopens a live source with capped exponential backoff; nil when stopped or out of attempts. A source
    /// that was never open reports `opened` rather than `reconnected` when it finally comes.
    private func reconnect(firstIndex: Int, epoch: Int, everOpened: Bool) -> VideoReader? {
        var attempt = 0
        while !shouldStop {
            attempt += 1
            if let max = policy.maxAttempts, attempt > max {
                onEvent(.failed("gave up reconnecting to \(spec) after \(max) attempts"))
                return nil
            }
            let delay = policy.delayMillis(attempt: attempt)
            onEvent(.reconnecting(attempt: attempt, delayMillis: delay))
            condition.lock()
            _ = condition.wait(until: Date().addingTimeInterval(Double(delay) / 1000))
            let stop = stopRequested
            condition.unlock()
            if stop { return nil }
            if let reader = try? VideoReader(spec, timeouts: timeouts, options: options, firstIndex: firstIndex, epoch: epoch) {
                onEvent(everOpened ? .reconnected(reader.info) : .opened(reader.info))
                return reader
            }
        }
        return nil
    }

    /// Sleeps until the frame's presentation time relative to the first frame of the pass (files at native
    /// rate); `start` 0 means "now".
    private func pace(frame: Frame, start: inout UInt64, fps: Double, delivered: Int) {
        var now = Clock.monotonicNanos()
        if start == 0 { start = now; return }
        let offsetNanos: UInt64
        if let ms = frame.stamp.sourceMillis, ms > 0 {
            offsetNanos = UInt64(ms * 1e6)
        } else {
            offsetNanos = UInt64(Double(delivered) / max(fps, 1) * 1e9)
        }
        let due = start + offsetNanos
        while due > now, !shouldStop {
            usleep(UInt32(min((due - now) / 1000, 100_000)))
            now = Clock.monotonicNanos()
        }
    }
}

/// Hands a non-Sendable reader to the grab thread exactly once.
private final class ReaderBox: @unchecked Sendable {
    private var reader: VideoReader?
    init(_ reader: VideoReader?) { self.reader = reader }
    func take() -> VideoReader? { defer { reader = nil }; return reader }
}
