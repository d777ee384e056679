import Logging
import SigndCapture
import SigndEvents
import Synchronization

/// Where the source stands, as the frame loop and health see it.
enum SourceState: Sendable, Equatable, CustomStringConvertible {
    case opening
    case open
    /// Lost or not yet opened; being retried.
    case unavailable(String)
    case ended
    /// Will not be retried (reconnection gave up, a file failed to decode).
    case failed(String)

    var description: String {
        switch self {
        case .opening: "opening"
        case .open: "open"
        case .unavailable: "reconnecting"
        case .ended: "ended"
        case .failed: "failed"
        }
    }
}

/// Turns capture lifecycle values into `source` events and remembers what the frame loop must act on: the
/// source's state (for health) and a pending gap (so the loop ends the open segment and drops windows
/// that would straddle it). `handle` is called from the grab thread.
final class SourceTracker: Sendable {
    private let publisher: EventPublisher
    private let logger: Logger
    private let shared = Mutex<(gap: StateEvent.EndReason?, state: SourceState, attempt: Int)>((nil, .opening, 0))

    init(publisher: EventPublisher, logger: Logger) {
        self.publisher = publisher
        self.logger = logger
    }

    var state: SourceState { shared.withLock { $0.state } }

    /// Once per gap: why the frames before it must not share a window or a segment with those after it.
    /// A loss wins over the reconnection that may follow before the loop looks.
    func takeGap() -> StateEvent.EndReason? {
        shared.withLock { s in defer { s.gap = nil }; return s.gap }
    }

    func handle(_ event: CaptureEvent) {
        let source: SigndEvents.SourceEvent
        switch event {
        case .opened(let info):
            source = .opened(width: info.width, height: info.height, fps: info.fps > 0 ? info.fps : nil)
            shared.withLock { s in
                if s.state != .opening { s.gap = s.gap ?? .sourceRestarted }
                s.state = .open
            }
            logger.info("source opened", metadata: ["size": "\(info.width)x\(info.height)", "fps": "\(info.fps)"])
        case .lost(let reason, _):
            source = .lost(message: reason)
            shared.withLock { s in s.gap = s.gap ?? .sourceLost; s.state = .unavailable(reason) }
            logger.warning("source lost: \(reason)")
        case .reconnecting(let attempt, let delay):
            source = .reconnecting(attempt: attempt, backoffMillis: Double(delay))
            shared.withLock { $0.attempt = attempt }
            logger.info("reconnecting", metadata: ["attempt": "\(attempt)", "delay_ms": "\(delay)"])
        case .reconnected:
            let attempt = shared.withLock { s in s.gap = s.gap ?? .sourceRestarted; s.state = .open; return s.attempt }
            source = .reconnected(attempt: attempt)
            logger.info("source reconnected")
        case .ended(let frames, let truncated):
            if truncated {
                let message = "file ended after \(frames) frames, before the frame count its container reports (truncated or corrupt)"
                publish(.source(.error(message: message)))
                logger.warning("\(message)")
            }
            source = .ended
            shared.withLock { $0.state = .ended }
            logger.info("source ended", metadata: ["frames": "\(frames)"])
        case .failed(let message):
            source = .error(message: message)
            shared.withLock { $0.state = .failed(message) }
            logger.error("source failed: \(message)")
        }
        publish(.source(source))
    }

    private func publish(_ event: Event) {
        do { try publisher.publish(event, frame: nil) } catch { logger.error("could not publish source event: \(error)") }
    }
}
