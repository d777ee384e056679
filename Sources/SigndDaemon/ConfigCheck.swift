import Foundation
import Logging
import SigndCapture
import SigndConfig
import SigndHTTP

/// What `signd check-config` finds beyond the file's syntax: options that would be ignored or unsafe
/// (always), and, with `deep`, whether the models and the source the file names would load and fit, by
/// the daemon's own start-up code (the same `HeadsStage.make` and landmark stage as `run`).
public struct ConfigCheck {
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public enum Severity: String, Sendable { case warning, error }
        public var severity: Severity
        /// The dotted config key it is about.
        public var key: String
        public var message: String
        public var description: String { "\(severity): \(key): \(message)" }
    }

    /// Static checks (nothing is opened): warnings, and capture options that cannot apply to the source.
    public static func warnings(_ config: SigndConfiguration) -> [Finding] {
        var out: [Finding] = []
        func warn(_ key: String, _ message: String) { out.append(Finding(severity: .warning, key: key, message: message)) }
        for (key, source) in sources(config) {
            let live = (try? SourceSpec(parsing: source.uri))?.isLive ?? false
            if source.loop, live { warn("\(key).loop", "ignored: the source is live (camera or stream), not a file") }
            if source.realtime, live { warn("\(key).realtime", "ignored: a live source paces itself") }
            if let spec = try? SourceSpec(parsing: source.uri), case .badOption(let option, _, let reason)? = source.capture.problem(for: spec) {
                out.append(Finding(severity: .error, key: "\(key).\(option)", message: reason))
            }
        }
        if config.events.curve == nil {
            for endpoint in config.events.endpoints where Self.isReachableFromOutside(endpoint) {
                warn("events.endpoints", "\(endpoint) accepts subscribers from other machines without CURVE: anyone on the network "
                     + "can read every event; bind to 127.0.0.1 or configure events.curve (signd keygen)")
            }
        }
        if config.metrics.enabled, !Self.isLoopback(config.metrics.address) {
            warn("metrics.address", "\(config.metrics.address) serves /metrics to other machines (figures and model names, no frames); "
                 + "use 127.0.0.1 unless a scraper elsewhere needs it")
        }
        if config.liveView.enabled, !Self.isLoopback(config.liveView.address) {
            warn("live_view.address", "\(config.liveView.address) shows the camera to other machines: frames leave this one; "
                 + "use 127.0.0.1 (and an SSH tunnel to look from elsewhere)")
        }
        if config.mqtt.enabled, config.mqtt.password != nil, !Self.isLoopback(config.mqtt.host) {
            warn("mqtt.password_file", "the password goes to \(config.mqtt.host) in clear text (signd speaks MQTT without TLS): "
                 + "use a broker on this machine or a network you trust")
        }
        if config.mqtt.password != nil, config.mqtt.username == nil {
            out.append(Finding(severity: .error, key: "mqtt.password_file", message: "a password needs mqtt.username"))
        }
        if !config.heads.enabled { warn("heads.enabled", "false: no state or sign events will be published") }
        return out
    }

    /// Deep checks: loads the heads and (when enabled) the landmark models as `run` would, and opens a file
    /// source. A live source is not contacted (it may legitimately be absent at start).
    public static func deep(_ config: SigndConfiguration) -> [Finding] {
        var out: [Finding] = []
        func fail(_ key: String, _ message: String) { out.append(Finding(severity: .error, key: key, message: message)) }
        let quiet = Logger(label: "signd.check") { _ in SwiftLogNoOpLogHandler() }
        do {
            let heads = try HeadsStage.make(config: config, logger: quiet)
            if heads == nil, config.heads.enabled, let stem = config.binaryStem {
                fail("heads.binary", "the default binary head \(stem).{safetensors,manifest.json} is missing: the daemon would run without "
                     + "heads and publish no state or sign events (scripts/fetch-models DIR copies them)")
            }
        } catch {
            fail(error.key ?? "heads", error.description)
        }
        if config.landmarks.enabled {
            do {
                let models = try HolisticLandmarkStage.loadModels(config.landmarks, logger: quiet)
                _ = try HolisticLandmarkStage(config: config.landmarks, fileTimestamps: true, models: models, logger: quiet)
            } catch {
                fail("landmarks.models_dir", error.description)
            }
        }
        // A capture option that cannot apply at all is already an error of the static check; the open would repeat it.
        for (key, source) in sources(config) {
            guard let spec = try? SourceSpec(parsing: source.uri), case .file = spec, source.capture.problem(for: spec) == nil else { continue }
            do { _ = try VideoReader(spec, timeouts: CaptureTimeouts(openMillis: source.openTimeoutMillis), options: source.capture) } catch {
                if case .badOption(let option, _, let reason) = error { fail("\(key).\(option)", reason) } else { fail("\(key).uri", error.description) }
            }
        }
        return out
    }

    /// Each camera's source with the key that names it: `source`, or `cameras[i].source`.
    private static func sources(_ config: SigndConfiguration) -> [(key: String, source: SigndConfiguration.Source)] {
        config.cameras.isEmpty ? [("source", config.source)] : config.cameras.enumerated().map { ("cameras[\($0.offset)].source", $0.element.source) }
    }

    /// The same rule the HTTP endpoints log by, so check-config and the start-up line agree.
    static func isLoopback(_ host: String) -> Bool { LocalHTTPServer.isLoopback(host) }

    /// tcp:// on a wildcard or non-loopback address. ipc:// is guarded by file permissions.
    static func isReachableFromOutside(_ endpoint: String) -> Bool {
        guard endpoint.hasPrefix("tcp://") else { return false }
        let host = endpoint.dropFirst("tcp://".count).split(separator: ":").dropLast().joined(separator: ":")
        return !(isLoopback(host) || host == "[::1]")
    }
}

extension DaemonError {
    /// The config key an error is about, where one is known.
    var key: String? {
        switch self {
        case .models: "heads"
        case .config, .integration: nil
        case .events: "events.endpoints"
        case .source, .sourceGaveUp: "source.uri"
        }
    }
}
