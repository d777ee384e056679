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
/// With several cameras only the metrics serve them all (one exporter per camera on one registry and one
/// endpoint); the config check refuses MQTT and the live view there, which serve one camera's state.
final class Integrations {
    let metrics: (exporters: [MetricsExporter], server: MetricsServer)?
    let mqtt: MQTTBridge?
    let live: (view: LiveView, server: LiveViewServer)?
    private let logger: Logger
    private var liveLog = RateLimitedLog()
    /// Live frames not rendered since the last health judgement, and the latest reason.
    private var liveFailures = (count: 0, last: "")
    /// How long the broker may be away before health says so: a reconnect takes 1–2 s of libmosquitto's backoff.
    static let mqttGraceSeconds = 5.0

    /// - Parameter cameras: the ids of the daemon's cameras, in loop order.
    init(config: SigndConfiguration, cameras: [String], logger: Logger) throws(DaemonError) {
        self.logger = logger
        var started: [() -> Void] = []
        do throws(DaemonError) {
            metrics = try Self.startMetrics(config, cameras: cameras, logger)
            if let metrics { started.append(metrics.server.stop) }
            mqtt = try Self.startMQTT(config, logger)
            if let mqtt { started.append(mqtt.stop) }
            live = try Self.startLiveView(config, logger)
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
        if let mqtt { out.append(mqtt) }
        if let live { out.append(live.view) }
        return out
    }

    /// One frame's stage durations of camera `index`, for the metrics' histograms.
    func record(_ timings: FrameTimings, camera index: Int) {
        guard let exporter = metrics?.exporters[index] else { return }
        timings.forEachDuration { stage, nanos in exporter.record(stage: stage.rawValue, nanos: nanos) }
    }

    /// The frame for the live view, when a page watches and it is due (after the frame's events, outside
    /// every stage's timing).
    func offer(_ frame: Frame, landmarks: HolisticLandmarks, now: UInt64) {
        guard let view = live?.view, view.wantsImage(now: now) else { return }
        do { try view.render(frame.image, landmarks: landmarks, now: now) } catch {
            liveFailures = (liveFailures.count + 1, "\(error)")
            liveLog.log(logger, level: .warning, "live view: frame \(frame.stamp.index) not rendered: \(error)", now: now)
        }
    }

    /// The integrations' part of health, at every stats interval: `integration_failing` while the MQTT broker
    /// has been unreachable for longer than the grace, or live frames failed to render in the interval. The
    /// ZeroMQ events and the frame loop are unaffected, so it is `degraded`, never `error`.
    func judge(_ health: inout HealthMonitor, now: UInt64) {
        var problems: [String] = []
        if let problem = mqtt?.problem(graceSeconds: Self.mqttGraceSeconds, now: now) { problems.append(problem) }
        if liveFailures.count > 0 {
            problems.append("live view: \(liveFailures.count) frame\(liveFailures.count == 1 ? "" : "s") not rendered (\(liveFailures.last))")
            liveFailures = (0, "")
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
        mqtt?.stop()
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

    private static func startLiveView(_ config: SigndConfiguration, _ logger: Logger) throws(DaemonError) -> (view: LiveView, server: LiveViewServer)? {
        let settings = config.liveView
        guard settings.enabled else { return nil }
        let view = LiveView(camera: config.cameraID, fps: settings.fps, width: settings.width)
        let server: LiveViewServer
        do { server = try LiveViewServer(view: view, host: settings.address, port: settings.port, logger: logger) } catch {
            throw .integration(error.description, cause: error)
        }
        announce(logger, "live view on", host: server.host, port: server.port, path: "",
                 local: "this machine only, frames do not leave it",
                 exposed: "reachable from other machines: anyone who can reach it sees the camera (live_view.address)")
        return (view, server)
    }

    /// Its network thread connects (and keeps reconnecting) in the background: an absent broker is logged, not fatal.
    private static func startMQTT(_ config: SigndConfiguration, _ logger: Logger) throws(DaemonError) -> MQTTBridge? {
        let m = config.mqtt
        guard m.enabled else { return nil }
        let settings = MQTTSettings(host: m.host, port: m.port, clientID: m.clientID ?? "signd-\(config.cameraID)", username: m.username,
                                    password: m.password, keepaliveSeconds: m.keepaliveSeconds, qos: m.qos)
        let topics = MQTTTopics(prefix: m.topicPrefix, camera: config.cameraID, discoveryPrefix: m.discoveryPrefix, version: SigndVersion.string)
        do { return try MQTTBridge(settings: settings, topics: topics, logger: logger) } catch { throw .integration(error.description, cause: error) }
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
