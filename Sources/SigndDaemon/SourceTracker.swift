import Logging
import SigndCapture
import SigndEvents
import SigndCore

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
/// source's state (for health) and a pending loss (so the loop ends the open segment at once, not when or
/// if frames return). Restarts need no flag: they travel with the frames (`FrameStamp.epoch`). `handle` is
/// called from the grab thread.
final class SourceTracker: Sendable {
    private let outlet: EventOutlet
    private let logger: Logger
    private let shared = Locked<(lost: Bool, state: SourceState, attempt: Int)>((false, .opening, 0))

    init(outlet: EventOutlet, logger: Logger) {
        self.outlet = outlet
        self.logger = logger
    }

    var state: SourceState { shared.withLock { $0.state } }

    /// Once per loss: true when the source was lost since the last call.
    func takeLoss() -> Bool {
        shared.withLock { s in defer { s.lost = false }; return s.lost }
    }

    func handle(_ event: CaptureEvent) {
        let source: SigndEvents.SourceEvent
        switch event {
        case .opened(let info):
            source = .opened(width: info.width, height: info.height, fps: info.fps > 0 ? info.fps : nil)
            shared.withLock { $0.state = .open }
            logger.info("source opened", metadata: ["size": "\(info.sizeDescription)", "fps": "\(info.fps)"])
        case .lost(let reason, _):
            source = .lost(message: reason)
            shared.withLock { s in s.lost = true; s.state = .unavailable(reason) }
            logger.warning("source lost: \(reason)")
        case .reconnecting(let attempt, let delay):
            source = .reconnecting(attempt: attempt, backoffMillis: Double(delay))
            shared.withLock { $0.attempt = attempt }
            logger.info("reconnecting", metadata: ["attempt": "\(attempt)", "delay_ms": "\(delay)"])
        case .reconnected:
            let attempt = shared.withLock { s in s.state = .open; return s.attempt }
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
        do { try outlet.publish(event, frame: nil) } catch { logger.error("could not publish source event: \(error)") }
    }
}
