import Logging
import SigndCapture
import SigndEvents
import Synchronization

/// Turns capture lifecycle values into `source` and `health` events and remembers whether the stream had
/// a gap (so the loop can drop windows that would straddle it). Called from the grab thread.
final class SourceTracker: Sendable {
    private let publisher: EventPublisher
    private let logger: Logger
    private let shared = Mutex<(gap: Bool, state: String, attempt: Int)>((false, "opening", 0))

    init(publisher: EventPublisher, logger: Logger) {
        self.publisher = publisher
        self.logger = logger
    }

    var state: String { shared.withLock { $0.state } }

    /// True once after each reconnection or loop restart.
    func takeGap() -> Bool {
        shared.withLock { s in defer { s.gap = false }; return s.gap }
    }

    func handle(_ event: CaptureEvent) {
        let (source, health): (SigndEvents.SourceEvent, HealthEvent?)
        switch event {
        case .opened(let info):
            source = .opened(width: info.width, height: info.height, fps: info.fps > 0 ? info.fps : nil)
            health = nil
            shared.withLock { s in if s.state != "opening" { s.gap = true }; s.state = "open" }
            logger.info("source opened", metadata: ["size": "\(info.width)x\(info.height)", "fps": "\(info.fps)"])
        case .lost(let reason, _):
            source = .lost(message: reason)
            health = HealthEvent(status: .degraded, message: "source lost: \(reason)")
            shared.withLock { $0.state = "lost" }
            logger.warning("source lost: \(reason)")
        case .reconnecting(let attempt, let delay):
            source = .reconnecting(attempt: attempt, backoffMillis: Double(delay))
            health = nil
            shared.withLock { $0.state = "reconnecting"; $0.attempt = attempt }
            logger.info("reconnecting", metadata: ["attempt": "\(attempt)", "delay_ms": "\(delay)"])
        case .reconnected:
            let attempt = shared.withLock { s in s.gap = true; s.state = "open"; return s.attempt }
            source = .reconnected(attempt: attempt)
            health = HealthEvent(status: .ok, message: "source reconnected")
            logger.info("source reconnected")
        case .ended(let frames, let truncated):
            if truncated {
                let message = "file ended after \(frames) frames, before the frame count its container reports (truncated or corrupt)"
                publish(.source(.error(message: message)))
                logger.warning("\(message)")
            }
            source = .ended
            health = nil
            shared.withLock { $0.state = "ended" }
            logger.info("source ended", metadata: ["frames": "\(frames)"])
        case .failed(let message):
            source = .error(message: message)
            health = HealthEvent(status: .error, message: message)
            shared.withLock { $0.state = "failed" }
            logger.error("source failed: \(message)")
        }
        publish(.source(source))
        if let health { publish(.health(health)) }
    }

    private func publish(_ event: Event) {
        do { try publisher.publish(event, frame: nil) } catch { logger.error("could not publish source event: \(error)") }
    }
}
