import Foundation
import Logging
import SigndConfig
import SigndCore
import SigndSystemd

/// The process's duties that every camera loop shares: systemd's watchdog and status line, and the
/// configuration a reload applied. Thread-safe: each camera loop calls it between its frames.
final class LoopSupervisor: Sendable {
    let notifier: SystemdNotifier
    /// How many camera loops report here.
    let loops: Int
    private let logger: Logger
    private let watchdogInterval: UInt64?

    private struct State {
        var lastPing: UInt64
        /// Which loops went round since the last watchdog ping.
        var alive: [Bool]
        var lastStatus: UInt64
        var statusInterval: UInt64
        /// Each loop's part of the status line.
        var lines: [String]
        /// The running configuration (all cameras) and how many reloads changed it.
        var running: SigndConfiguration
        var generation = 0
    }
    private let state: Locked<State>

    init(notifier: SystemdNotifier, config: SigndConfiguration, loops: Int, logger: Logger) {
        self.notifier = notifier
        self.loops = loops
        self.logger = logger
        watchdogInterval = notifier.watchdogPingInterval.map(Self.nanos)
        let now = Clock.monotonicNanos()
        state = Locked(State(lastPing: now, alive: Array(repeating: false, count: loops), lastStatus: now,
                             statusInterval: Self.nanos(seconds: config.systemd.statusIntervalSeconds),
                             lines: Array(repeating: "", count: loops), running: config))
    }

    /// Loop `index` went round at `now`. The watchdog is fed once every loop has gone round since the last
    /// ping and the interval has passed: one stalled camera stops the pings, and systemd restarts the daemon.
    func alive(_ index: Int, now: UInt64) {
        guard let interval = watchdogInterval else { return }
        let due = state.withLock { s -> Bool in
            s.alive[index] = true
            guard now &- s.lastPing >= interval, !s.alive.contains(false) else { return false }
            s.lastPing = now
            s.alive = s.alive.map { _ in false }
            return true
        }
        if due { notify { try notifier.watchdog() } }
    }

    /// Loop `index`'s part of systemd's status line (made only when systemd listens); the parts go out
    /// joined, at most every `systemd.status_interval_s`, each led by its camera's id when there are several.
    func status(_ index: Int, camera: String, now: UInt64, _ line: () -> String) {
        guard notifier.isEnabled else { return }
        let part = loops > 1 ? "\(camera): \(line())" : line()
        let text = state.withLock { s -> String? in
            s.lines[index] = part
            guard now &- s.lastStatus >= s.statusInterval else { return nil }
            s.lastStatus = now
            return s.lines.filter { !$0.isEmpty }.joined(separator: "; ")  // a camera yet to report has no part
        }
        if let text { notify { try notifier.status(text) } }
    }

    /// The configuration every loop runs under.
    var running: SigndConfiguration { state.withLock { $0.running } }

    /// A reload's result, for every loop to apply (`applied(after:)`).
    func reloaded(_ config: SigndConfiguration) {
        state.withLock { s in
            s.running = config
            s.generation += 1
            s.statusInterval = Self.nanos(seconds: config.systemd.statusIntervalSeconds)
        }
    }

    /// The configuration of a reload a loop has not applied yet, with its generation; nil when the loop
    /// (which last applied `generation`) is up to date.
    func applied(after generation: Int) -> (generation: Int, config: SigndConfiguration)? {
        state.withLock { s in s.generation > generation ? (s.generation, s.running) : nil }
    }

    /// A notification that cannot be delivered is logged; it never stops the pipeline.
    func notify(_ send: () throws -> Void) {
        do { try send() } catch { logger.warning("systemd notification failed: \(error)") }
    }

    static func nanos(seconds: Double) -> UInt64 { UInt64(seconds * 1e9) }

    private static func nanos(_ d: Duration) -> UInt64 {
        UInt64(d.components.seconds) * 1_000_000_000 + UInt64(d.components.attoseconds / 1_000_000_000)
    }
}
