import Logging
import SigndCapture
import SigndConfig
import SigndCore
import SigndEvents
import SigndHTTP
import SigndLiveView
import SigndMetrics
import SigndMQTT

/// The optional outputs beside ZeroMQ (docs/integrations.md): Prometheus metrics, the MQTT bridge and the
/// live view. Each is started before the first frame, so a port in use stops the start instead of leaving
/// a daemon nobody can scrape or watch; each follows the published events as an `EventObserver`.
///
/// Each serves every camera: the metrics with one exporter per camera on one registry and one endpoint, MQTT
/// with one bridge per camera (each camera its own Home Assistant device, topics, client id and last will),
/// the live view with one view per camera on one server (a page per camera, and one of them all).
final class Integrations {
    let metrics: (exporters: [MetricsExporter], server: MetricsServer)?
    /// One bridge per camera, in loop order; empty when MQTT is off.
    let mqtt: [MQTTBridge]
    /// One view per camera, in loop order, on one server.
    let live: (views: [LiveView], server: LiveViewServer)?
    private let logger: Logger
    /// Per camera: live frames not rendered since the last health judgement. Each camera's loop uses only its own.
    private let liveFailures: [LiveFailures]
    /// How long the broker may be away before health says so: a reconnect takes 1–2 s of libmosquitto's backoff.
    static let mqttGraceSeconds = 5.0

    /// - Parameter cameras: the ids of the daemon's cameras, in loop order.
    init(config: SigndConfiguration, cameras: [String], logger: Logger) throws(DaemonError) {
        self.logger = logger
        var started: [() -> Void] = []
        do throws(DaemonError) {
            metrics = try Self.startMetrics(config, cameras: cameras, logger)
            if let metrics { started.append(metrics.server.stop) }
            mqtt = try Self.startMQTT(config, cameras: cameras, logger) { started.append($0.stop) }
            live = try Self.startLiveView(config, cameras: cameras, logger)
            liveFailures = cameras.map { _ in LiveFailures() }
        } catch {
            // What did start must not outlive the failed start (a bound port, a connected client).
            for stop in started.reversed() { stop() }
            throw error
        }
    }

    /// What follows camera `index`'s events.
    func observers(camera index: Int) -> [any EventObserver] {
        var out: [any EventObserver] = []
        if let metrics { out.append(metrics.exporters[index]) }
        if !mqtt.isEmpty { out.append(mqtt[index]) }
        if let live { out.append(live.views[index]) }
        return out
    }

    /// One frame's stage durations of camera `index`, for the metrics' histograms.
    func record(_ timings: FrameTimings, camera index: Int) {
        guard let exporter = metrics?.exporters[index] else { return }
        timings.forEachDuration { stage, nanos in exporter.record(stage: stage.rawValue, nanos: nanos) }
    }

    /// Camera `index`'s frame for its live view, when a page watches and it is due (after the frame's events,
    /// outside every stage's timing).
    func offer(_ frame: Frame, landmarks: HolisticLandmarks, camera index: Int, now: UInt64) {
        guard let view = live?.views[index], view.wantsImage(now: now) else { return }
        do { try view.render(frame.image, landmarks: landmarks, now: now) } catch {
            liveFailures[index].failed(frame: frame.stamp.index, "\(error)", logger: logger, now: now)
        }
    }

    /// The integrations' part of camera `index`'s health, at every stats interval: `integration_failing` while
    /// its MQTT bridge has not reached the broker for longer than the grace, or live frames failed to render in
    /// the interval. The ZeroMQ events and the frame loop are unaffected, so it is `degraded`, never `error`.
    func judge(_ health: inout HealthMonitor, camera index: Int, now: UInt64) {
        var problems: [String] = []
        if !mqtt.isEmpty, let problem = mqtt[index].problem(graceSeconds: Self.mqttGraceSeconds, now: now) { problems.append(problem) }
        if live != nil, let (count, last) = liveFailures[index].take() {
            problems.append("live view: \(count) frame\(count == 1 ? "" : "s") not rendered (\(last))")
        }
        if problems.isEmpty {
            health.clear(.integrationFailing)
        } else {
            health.set(.integrationFailing, .degraded, problems.joined(separator: "; "))
        }
    }

    /// After the last event: the live streams end, MQTT says `offline`, the servers close.
    func stop() {
        live?.server.stop()
        for bridge in mqtt { bridge.stop() }
        metrics?.server.stop()
    }

    // MARK: starting each

    private static func startMetrics(_ config: SigndConfiguration, cameras: [String], _ logger: Logger) throws(DaemonError)
        -> (exporters: [MetricsExporter], server: MetricsServer)? {
        let settings = config.metrics
        guard settings.enabled, !cameras.isEmpty else { return nil }
        let exporters = MetricsExporter.sharingOneRegistry(cameras: cameras, stages: PipelineStage.allCases.map(\.rawValue), version: SigndVersion.string)
        let server: MetricsServer
        do { server = try MetricsServer(exporter: exporters[0], host: settings.address, port: settings.port, logger: logger) } catch {
            throw .integration(error.description, cause: error)
        }
        announce(logger, "metrics served on", host: server.host, port: server.port, path: "metrics",
                 local: "this machine only", exposed: "reachable from other machines (metrics.address)")
        return (exporters, server)
    }

    private static func startLiveView(_ config: SigndConfiguration, cameras: [String], _ logger: Logger) throws(DaemonError)
        -> (views: [LiveView], server: LiveViewServer)? {
        let settings = config.liveView
        guard settings.enabled, !cameras.isEmpty else { return nil }
        let views = cameras.map { LiveView(camera: $0, fps: settings.fps, width: settings.width) }
        let server: LiveViewServer
        do { server = try LiveViewServer(views: views, host: settings.address, port: settings.port, logger: logger) } catch {
            throw .integration(error.description, cause: error)
        }
        announce(logger, "live view on", host: server.host, port: server.port, path: "",
                 local: "this machine only, frames do not leave it",
                 exposed: "reachable from other machines: anyone who can reach it sees the camera (live_view.address)")
        return (views, server)
    }

    /// One bridge per camera. Each one's network thread connects (and keeps reconnecting) in the background:
    /// an absent broker is logged, not fatal. `started` sees each bridge as it starts, so a later failure can
    /// stop the earlier ones.
    private static func startMQTT(_ config: SigndConfiguration, cameras: [String], _ logger: Logger,
                                  started: (MQTTBridge) -> Void) throws(DaemonError) -> [MQTTBridge] {
        let m = config.mqtt
        guard m.enabled else { return [] }
        var bridges: [MQTTBridge] = []
        for camera in cameras {
            let settings = MQTTSettings(host: m.host, port: m.port, clientID: m.clientID(camera: camera, cameras: cameras.count),
                                        username: m.username, password: m.password, keepaliveSeconds: m.keepaliveSeconds, qos: m.qos)
            let topics = MQTTTopics(prefix: m.topicPrefix, camera: camera, discoveryPrefix: m.discoveryPrefix, version: SigndVersion.string)
            var cameraLogger = logger
            if cameras.count > 1 { cameraLogger[metadataKey: "camera"] = "\(camera)" }
            do { bridges.append(try MQTTBridge(settings: settings, topics: topics, logger: cameraLogger)) } catch {
                throw .integration(error.description, cause: error)
            }
            started(bridges[bridges.count - 1])
        }
        return bridges
    }

    /// Where an HTTP endpoint can be reached, said once at start: a warning when other machines can.
    private static func announce(_ logger: Logger, _ what: String, host: String, port: Int, path: String, local: String, exposed: String) {
        let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/\(path)"
        if LocalHTTPServer.isLoopback(host) {
            logger.info("\(what) \(url): \(local)")
        } else {
            logger.warning("\(what) \(url): \(exposed)")
        }
    }
}

/// One camera's live frames that failed to render since the last health judgement, and their log.
private final class LiveFailures: Sendable {
    private let state = Locked<(count: Int, last: String, log: RateLimitedLog)>((0, "", RateLimitedLog()))

    func failed(frame: Int, _ why: String, logger: Logger, now: UInt64) {
        state.withLock { state in
            state.count += 1
            state.last = why
            state.log.log(logger, level: .warning, "live view: frame \(frame) not rendered: \(why)", now: now)
        }
    }

    /// How many failed and the latest reason, since the last call; nil: none.
    func take() -> (count: Int, last: String)? {
        state.withLock { state in
            guard state.count > 0 else { return nil }
            defer { state.count = 0; state.last = "" }
            return (state.count, state.last)
        }
    }
}
