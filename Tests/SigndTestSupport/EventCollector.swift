import Foundation
import SigndEvents

/// A SUB client on its own thread that records every event until `stop()`: the one receive loop the
/// end-to-end tests share. The socket is closed only after the thread has returned (a ZeroMQ socket is
/// used by one thread at a time).
public final class EventCollector: @unchecked Sendable {
    public let events = Recorder<ReceivedEvent>()
    private let subscriber: EventSubscriber
    private let stopRequested = Recorder<Bool>()
    private let finished = Recorder<Bool>()

    public init(endpoint: String) throws {
        subscriber = try EventSubscriber(endpoint: endpoint)
        Thread { [self] in receiveUntilStopped() }.start()
    }

    private func receiveUntilStopped() {
        defer { finished.append(true) }
        while true {
            if let event = try? subscriber.receive(timeoutMilliseconds: 200) {
                events.append(event)
            } else if !stopRequested.values.isEmpty {
                return
            }
        }
    }

    /// Waits until `predicate` holds for the events received so far.
    @discardableResult
    public func wait(timeout: TimeInterval, until predicate: ([ReceivedEvent]) -> Bool) -> Bool {
        events.wait(timeout: timeout, until: predicate)
    }

    /// Stops receiving (once the queue is drained) and closes the socket; false if the thread did not finish.
    @discardableResult
    public func stop() -> Bool {
        stopRequested.append(true)
        guard finished.wait(timeout: 10, until: { !$0.isEmpty }) else { return false }
        subscriber.close()
        return true
    }
}

extension ReceivedEvent {
    public var stats: StatsEvent? { if case .stats(let s) = message.event { s } else { nil } }
    public var state: StateEvent? { if case .state(let s) = message.event { s } else { nil } }
    public var sign: SignEvent? { if case .sign(let s) = message.event { s } else { nil } }
}
