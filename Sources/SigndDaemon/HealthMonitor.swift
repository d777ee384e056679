import SigndEvents

/// What is wrong with the daemon right now, and when to say so. The frame loop sets and clears
/// conditions; the `health` event is their summary (worst status first), published when it changes and at
/// least every `interval` so that a subscriber that connected late learns it.
struct HealthMonitor {
    private struct Condition: Equatable {
        var status: HealthEvent.Status
        var message: String
    }

    private var conditions: [HealthEvent.Reason: Condition] = [:]
    /// The summary, rebuilt only when a condition changes: `due` runs on every loop iteration.
    private(set) var current = HealthEvent(status: .ok, message: "running")
    private var lastEvent: HealthEvent?
    private var lastNanos: UInt64 = 0
    private var intervalNanos: UInt64
    private let okMessage: String

    init(intervalSeconds: Double, okMessage: String = "running") {
        intervalNanos = UInt64(intervalSeconds * 1e9)
        self.okMessage = okMessage
        current = HealthEvent(status: .ok, message: okMessage)
    }

    mutating func setInterval(seconds: Double) { intervalNanos = UInt64(seconds * 1e9) }

    mutating func set(_ reason: HealthEvent.Reason, _ status: HealthEvent.Status, _ message: String) {
        let condition = Condition(status: status, message: message)
        guard conditions[reason] != condition else { return }
        conditions[reason] = condition
        current = summary()
    }

    mutating func clear(_ reason: HealthEvent.Reason) {
        guard conditions[reason] != nil else { return }
        conditions[reason] = nil
        current = summary()
    }

    func isSet(_ reason: HealthEvent.Reason) -> Bool { conditions[reason] != nil }

    /// The summary: the worst status, every condition's message in a fixed order, and their codes.
    private func summary() -> HealthEvent {
        let active = HealthEvent.Reason.allCases.compactMap { reason in conditions[reason].map { (reason, $0) } }
        guard !active.isEmpty else { return HealthEvent(status: .ok, message: okMessage) }
        let status: HealthEvent.Status = active.contains { $0.1.status == .error } ? .error : .degraded
        return HealthEvent(status: status, message: active.map(\.1.message).joined(separator: "; "), reasons: active.map(\.0))
    }

    /// The event to publish at `now`, if any: the summary changed, or `interval` passed since the last one.
    mutating func due(now: UInt64) -> HealthEvent? {
        let event = current
        guard now - lastNanos >= intervalNanos || event != lastEvent else { return nil }
        lastEvent = event
        lastNanos = now
        return event
    }
}
