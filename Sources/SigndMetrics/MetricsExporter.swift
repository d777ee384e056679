import Prometheus
import SigndEvents
import SigndCore

/// The daemon's figures as Prometheus metrics (docs/integrations.md lists them). Everything comes from the
/// events subscribers get (`EventObserver`) and the loop's per-frame stage durations, so a scrape and the
/// event stream agree:
/// - counters and rates advance when a `stats` event is published (`events.stats_interval_s`), and then
///   equal that event's totals;
/// - stage durations are held back until the same `stats` event, so the histograms' `_count` is the sum of
///   the `stats` events' per-stage `count`;
/// - the signing state, segments, signs, source state and health follow their events at once.
/// One exporter per camera, its series labelled `camera`. The registry is the daemon's own (no process-wide
/// metrics system), shared by its cameras' exporters, so two daemons in one test process cannot mix their
/// figures and one `/metrics` shows every camera of a daemon.
public final class MetricsExporter: EventObserver, Sendable {
    public let registry: PrometheusCollectorRegistry
    private let labels: [(String, String)]

    private let framesIn, framesOut, framesDropped, publishDrops, curveRejected, cpuSeconds: Counter
    private let fpsIn, fpsOut, residentBytes, uptime, signing: Gauge
    private let segmentsStarted, segmentsConfirmed, reconnectAttempts, reconnects: Counter
    private let stageHistograms: [String: DurationHistogram]
    private let sourceStates: [String: Gauge]
    private let healthStates: [HealthEvent.Status: Gauge]
    private let healthReasons: [HealthEvent.Reason: Gauge]
    private let state = Locked(Pending())

    /// What the loop measured since the last `stats` event, and the totals already counted.
    private struct Pending {
        var durations: [(stage: String, nanos: UInt64)] = []
        var framesIn: UInt64 = 0, framesOut: UInt64 = 0, dropped: UInt64 = 0, publishDrops: UInt64 = 0, curveRejected: UInt64 = 0
        var cpuSeconds = 0.0
        var signCounters: [String: Counter] = [:]
    }

    /// Latency buckets from 0.5 ms (a head on a short window) to 2 s (a stalled source): 33 ms is one frame at 30 fps.
    static let stageBuckets: [Duration] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.033, 0.05, 0.1, 0.2, 0.5, 1, 2].map {
        .nanoseconds(Int64($0 * 1e9))
    }

    /// The source states the `signd_source_state` gauge names (one of them is 1).
    static let sourceStateNames = ["opening", "open", "reconnecting", "ended", "failed"]

    /// - Parameters:
    ///   - stages: the loop's stage names (`PipelineStage`), one histogram series each.
    ///   - version: signd's version, for `signd_build_info`.
    ///   - registry: where the series go: a new one, or the one the daemon's other cameras' exporters use.
    public init(camera: String, stages: [String], version: String, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        labels = [("camera", camera)]
        let r = registry, l = labels
        framesIn = r.makeCounter(descriptor: Self.named("signd_frames_in_total", "Frames the loop received from the source (stats frames_in)."), labels: l)
        framesOut = r.makeCounter(descriptor: Self.named("signd_frames_out_total", "Frames processed and published (stats frames_out)."), labels: l)
        framesDropped = r.makeCounter(descriptor: Self.named("signd_frames_dropped_total", "Frames the source delivered that the loop never saw (stats dropped_frames)."), labels: l)
        publishDrops = r.makeCounter(descriptor: Self.named("signd_publish_drops_total", "Events the ZeroMQ publisher could not queue (stats publish_drops)."), labels: l)
        curveRejected = r.makeCounter(descriptor: Self.named("signd_curve_rejected_total", "CURVE clients refused by events.curve.allowed_client_keys."), labels: l)
        cpuSeconds = r.makeCounter(descriptor: Self.named("signd_cpu_seconds_total", "CPU time of the process, user and system, every thread (stats cpu_s)."), labels: l)
        fpsIn = r.makeGauge(descriptor: Self.named("signd_fps_in", "Frames per second received over the last stats interval."), labels: l)
        fpsOut = r.makeGauge(descriptor: Self.named("signd_fps_out", "Frames per second processed over the last stats interval."), labels: l)
        residentBytes = r.makeGauge(descriptor: Self.named("signd_resident_memory_bytes", "Resident memory of the process (stats rss_bytes)."), labels: l)
        uptime = r.makeGauge(descriptor: Self.named("signd_uptime_seconds", "Seconds since the loop started (stats uptime_s)."), labels: l)
        signing = r.makeGauge(descriptor: Self.named("signd_signing", "1 while a signing segment is open, else 0 (state events)."), labels: l)
        segmentsStarted = r.makeCounter(descriptor: Self.named("signd_segments_started_total", "Signing segments started (state events with phase start)."), labels: l)
        segmentsConfirmed = r.makeCounter(descriptor: Self.named("signd_segments_confirmed_total", "Signing segments confirmed (state events with phase confirm; heads.confirm_frames)."), labels: l)
        reconnectAttempts = r.makeCounter(descriptor: Self.named("signd_source_reconnect_attempts_total", "Attempts to reopen a lost source (source events reconnecting)."), labels: l)
        reconnects = r.makeCounter(descriptor: Self.named("signd_source_reconnects_total", "Times a lost source came back (source events reconnected)."), labels: l)
        stageHistograms = Dictionary(uniqueKeysWithValues: stages.map { stage in
            (stage, r.makeDurationHistogram(descriptor: Self.named("signd_stage_duration_seconds", "Time per frame in each stage of the loop (the stats event's stages)."),
                                            labels: l + [("stage", stage)], buckets: Self.stageBuckets))
        })
        sourceStates = Dictionary(uniqueKeysWithValues: Self.sourceStateNames.map { name in
            (name, r.makeGauge(descriptor: Self.named("signd_source_state", "1 for the source's current state, else 0 (source events)."), labels: l + [("state", name)]))
        })
        healthStates = Dictionary(uniqueKeysWithValues: HealthEvent.Status.allCases.map { status in
            (status, r.makeGauge(descriptor: Self.named("signd_health_status", "1 for the current health status, else 0 (health events)."), labels: l + [("status", status.rawValue)]))
        })
        healthReasons = Dictionary(uniqueKeysWithValues: HealthEvent.Reason.allCases.map { reason in
            (reason, r.makeGauge(descriptor: Self.named("signd_health_reason", "1 while the condition is part of the health status (health events)."), labels: l + [("reason", reason.rawValue)]))
        })
        r.makeGauge(descriptor: Self.named("signd_build_info", "Always 1; the version is in the label."), labels: l + [("version", version)]).set(to: 1)
        sourceStates["opening"]?.set(to: 1)
        healthStates[.ok]?.set(to: 1)
    }

    /// One frame's time in one stage; shown from the next `stats` event on.
    public func record(stage: String, nanos: UInt64) {
        state.withLock { $0.durations.append((stage, nanos)) }
    }

    public func observe(_ event: Event, frame: Int?) {
        switch event {
        case .stats(let stats): apply(stats)
        case .state(let s):
            switch s.phase {
            case .start:
                segmentsStarted.increment()
                signing.set(to: 1)
            case .confirm: segmentsConfirmed.increment()
            case .end: signing.set(to: 0)
            case .update: break
            }
        case .sign(let sign):
            signCounter(sign.label).increment()
        case .source(let source): apply(source)
        case .health(let health):
            for (status, gauge) in healthStates { gauge.set(to: status == health.status ? 1 : 0) }
            for (reason, gauge) in healthReasons { gauge.set(to: health.reasons.contains(reason) ? 1 : 0) }
        case .frame: break
        }
    }

    /// The exposition text, as `/metrics` serves it.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }

    /// One exporter per camera on one registry: any of them exposes every camera's series.
    public static func sharingOneRegistry(cameras: [String], stages: [String], version: String) -> [MetricsExporter] {
        let registry = PrometheusCollectorRegistry()
        return cameras.map { MetricsExporter(camera: $0, stages: stages, version: version, registry: registry) }
    }

    private func apply(_ stats: StatsEvent) {
        let durations = state.withLock { p -> [(stage: String, nanos: UInt64)] in
            Self.advance(framesIn, from: &p.framesIn, to: stats.framesIn)
            Self.advance(framesOut, from: &p.framesOut, to: stats.framesOut)
            Self.advance(framesDropped, from: &p.dropped, to: stats.droppedFrames)
            Self.advance(publishDrops, from: &p.publishDrops, to: stats.publishDrops)
            Self.advance(curveRejected, from: &p.curveRejected, to: stats.curveRejected)
            if let cpu = stats.cpuSeconds, cpu > p.cpuSeconds {
                cpuSeconds.increment(by: cpu - p.cpuSeconds)
                p.cpuSeconds = cpu
            }
            defer { p.durations.removeAll(keepingCapacity: true) }
            return p.durations
        }
        for (stage, nanos) in durations { stageHistograms[stage]?.recordNanoseconds(Int64(clamping: nanos)) }
        fpsIn.set(to: stats.fpsIn)
        fpsOut.set(to: stats.fpsOut)
        uptime.set(to: stats.uptimeSeconds)
        if let rss = stats.rssBytes { residentBytes.set(to: Double(rss)) }
    }

    private func apply(_ source: SourceEvent) {
        let current: String?
        switch source {
        case .opened, .reconnected: current = "open"
        case .lost: current = "reconnecting"
        case .reconnecting: current = "reconnecting"
        case .ended: current = "ended"
        // A truncated file reports an error and then its end; a source given up reports only the error.
        case .error: current = "failed"
        }
        if case .reconnecting = source { reconnectAttempts.increment() }
        if case .reconnected = source { reconnects.increment() }
        guard let current else { return }
        for (name, gauge) in sourceStates { gauge.set(to: name == current ? 1 : 0) }
    }

    /// The whole name in one piece, as docs/integrations.md lists it (the descriptor's parts would only be joined again).
    private static func named(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// Counters only go up: a total from the event is added as the step since the last one.
    private static func advance(_ counter: Counter, from last: inout UInt64, to total: UInt64) {
        if total > last { counter.increment(by: Int64(clamping: total - last)) }
        last = max(last, total)
    }

    private func signCounter(_ label: String) -> Counter {
        state.withLock { p in
            if let counter = p.signCounters[label] { return counter }
            let counter = registry.makeCounter(descriptor: Self.named("signd_signs_total", "Sign events, by their answer (a label, or unknown)."),
                                               labels: labels + [("label", label)])
            p.signCounters[label] = counter
            return counter
        }
    }
}
