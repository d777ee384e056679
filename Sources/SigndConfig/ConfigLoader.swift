import Foundation
import SigndCore
import Yams

/// Reads a YAML configuration and validates every key, so a typo or a wrong type is reported with the
/// key's dotted path and line instead of being silently ignored.
public enum ConfigLoader {
    /// Loads `path`. Relative paths inside the file (source file, models directory) are resolved against
    /// the file's directory, so a config works from any working directory.
    /// `${NAME}` in `source.uri` and `events.curve.server_secret_key_file` reads `environment`.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> SigndConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, key: nil, line: nil, problem: "cannot read the file (missing or not readable)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, key: nil, line: nil, problem: "not UTF-8 text")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(yaml: text, file: path, baseDirectory: base, environment: environment)
    }

    public static func parse(yaml: String, file: String = "<config>", baseDirectory: String? = nil,
                             environment: [String: String] = [:]) throws(ConfigError) -> SigndConfiguration {
        if let (line, problem) = YamlDepthLimit.violation(in: yaml) {
            throw ConfigError(file: file, key: nil, line: line, problem: "invalid YAML: \(problem)")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch let error as YamlError {
            throw ConfigError(file: file, key: nil, line: Self.line(of: error), problem: "invalid YAML: \(Self.problem(of: error))")
        } catch {
            throw ConfigError(file: file, key: nil, line: nil, problem: "invalid YAML: \(error)")
        }
        var config = SigndConfiguration()
        guard let root else { return config }  // empty file: all defaults (uri checked by validate)
        let reader = NodeReader(file: file, environment: environment)
        var singleCameraKeys: [(String, Node)] = []
        var camerasNode: Node?
        try reader.mapping(root, path: "") { key, node, path throws(ConfigError) in
            switch key {
            case "camera_id":
                config.cameraID = try reader.identifier(node, path)
                singleCameraKeys.append((key, node))
            case "log_level": config.logLevel = try reader.choice(node, path, SigndConfiguration.LogLevel.self)
            case "source":
                try readSource(node, path, reader, &config.source)
                singleCameraKeys.append((key, node))
            case "cameras":
                config.cameras = try readCameras(node, path, reader)
                camerasNode = node
            case "landmarks": try readLandmarks(node, path, reader, &config.landmarks)
            case "windows": try readWindows(node, path, reader, &config.windows)
            case "heads": try readHeads(node, path, reader, &config.heads)
            case "events": try readEvents(node, path, reader, &config.events, baseDirectory: baseDirectory)
            case "systemd": try readSystemd(node, path, reader, &config.systemd)
            case "health": try readHealth(node, path, reader, &config.health)
            case "metrics": try readMetrics(node, path, reader, &config.metrics)
            case "mqtt": try readMQTT(node, path, reader, &config.mqtt, baseDirectory: baseDirectory)
            case "live_view": try readLiveView(node, path, reader, &config.liveView)
            default:
                throw reader.unknown(key, node, path, known: ConfigKeys.children(of: ""))
            }
        }
        if camerasNode != nil, let (key, node) = singleCameraKeys.first {
            // Two ways of naming the camera in one file: which one runs would be a guess.
            throw reader.error(node, key, "not with a cameras: list; give each camera its id and source there")
        }
        if let baseDirectory {
            config.source.uri = Self.resolvedSourceURI(config.source.uri, against: baseDirectory)
            for i in config.cameras.indices {
                config.cameras[i].source.uri = Self.resolvedSourceURI(config.cameras[i].source.uri, against: baseDirectory)
            }
            config.landmarks.modelsDirectory = Self.resolve(config.landmarks.modelsDirectory, against: baseDirectory)
            config.heads.binary = config.heads.binary.map { Self.resolve($0, against: baseDirectory) }
            config.heads.multiclass = config.heads.multiclass.map { Self.resolve($0, against: baseDirectory) }
        }
        return config
    }

    /// Checks cross-field rules once file and flags are merged.
    public static func validate(_ config: SigndConfiguration, file: String) throws(ConfigError) {
        if let problem = Rules.cameraIDProblem(config.cameraID) {
            throw ConfigError(file: file, key: "camera_id", line: nil, problem: problem)
        }
        for endpoint in config.events.endpoints {
            if let problem = Rules.endpointProblem(endpoint) { throw ConfigError(file: file, key: "events.endpoints", line: nil, problem: problem) }
        }
        if config.cameras.isEmpty {
            try validate(config.source, key: "source", file: file)
        } else {
            try validateCameras(config, file: file)
        }
        if config.landmarks.refineFace && !config.landmarks.face {
            throw ConfigError(file: file, key: "landmarks.refine_face", line: nil,
                              problem: "refines the face landmarks, so it needs landmarks.face: true")
        }
        if let problem = config.heads.thresholdProblem {
            throw ConfigError(file: file, key: "heads.exit_threshold", line: nil, problem: problem)
        }
        if let problem = config.heads.confirmProblem {
            throw ConfigError(file: file, key: "heads.confirm_frames", line: nil, problem: problem)
        }
        if let status = config.events.statusEndpoint {
            if let problem = Rules.endpointProblem(status) { throw ConfigError(file: file, key: "events.status_endpoint", line: nil, problem: problem) }
            if config.events.endpoints.contains(status) {
                throw ConfigError(file: file, key: "events.status_endpoint", line: nil, problem: "must differ from every events.endpoints entry")
            }
            if config.events.curve != nil {
                throw ConfigError(file: file, key: "events.status_endpoint", line: nil,
                                  problem: "not available with events.curve yet (the status socket is not encrypted); rely on the periodic health events")
            }
        }
        if config.events.endpoints.isEmpty {
            throw ConfigError(file: file, key: "events.endpoints", line: nil, problem: "at least one endpoint is required (e.g. tcp://127.0.0.1:5556)")
        }
    }

    /// One source's own rules, `key` naming it in errors (`source`, `cameras[1].source`).
    private static func validate(_ source: SigndConfiguration.Source, key: String, file: String) throws(ConfigError) {
        if source.uri.isEmpty {
            throw ConfigError(file: file, key: "\(key).uri", line: nil, problem: "required: a video file, camera index, /dev/videoN or rtsp:// URL")
        }
        if source.reconnectMaxDelayMillis < source.reconnectInitialDelayMillis {
            throw ConfigError(file: file, key: "\(key).reconnect.max_delay_ms", line: nil, problem: "must be ≥ \(key).reconnect.initial_delay_ms")
        }
    }

    /// A `cameras:` list: distinct ids (they are the topics, the MQTT devices and the live view's paths),
    /// each source valid.
    private static func validateCameras(_ config: SigndConfiguration, file: String) throws(ConfigError) {
        var seen = Set<String>()
        for (i, camera) in config.cameras.enumerated() {
            if let problem = Rules.cameraIDProblem(camera.id) { throw ConfigError(file: file, key: "cameras[\(i)].id", line: nil, problem: problem) }
            guard seen.insert(camera.id).inserted else {
                throw ConfigError(file: file, key: "cameras[\(i)].id", line: nil, problem: "'\(camera.id)' names two cameras; ids are the event topics, so they must differ")
            }
            try validate(camera.source, key: "cameras[\(i)].source", file: file)
        }
    }

    // MARK: sections

    /// `cameras:`: a list of `{id, source}` mappings, `source` taking the keys of the top-level `source`.
    private static func readCameras(_ node: Node, _ path: String, _ r: NodeReader) throws(ConfigError) -> [SigndConfiguration.Camera] {
        guard case .sequence(let items) = node, !items.isEmpty else {
            throw r.error(node, path, "expected a list of cameras, each with an id and a source")
        }
        var cameras: [SigndConfiguration.Camera] = []
        for (i, item) in items.enumerated() {
            let itemPath = "\(path)[\(i)]"
            var id: String?
            var source: SigndConfiguration.Source?
            try r.mapping(item, path: itemPath) { key, value, p throws(ConfigError) in
                switch key {
                case "id": id = try r.identifier(value, p)
                case "source":
                    var s = SigndConfiguration.Source()
                    try readSource(value, p, r, &s)
                    source = s
                default: throw r.unknown(key, value, p, known: ConfigKeys.children(of: "cameras"))
                }
            }
            guard let id else { throw r.error(item, "\(itemPath).id", "required: the camera's id (its event topics are signd.<id>.<kind>)") }
            guard let source else { throw r.error(item, "\(itemPath).source", "required: the camera's source (at least its uri)") }
            cameras.append(.init(id: id, source: source))
        }
        return cameras
    }

    private static func readSource(_ node: Node, _ path: String, _ r: NodeReader, _ s: inout SigndConfiguration.Source) throws(ConfigError) {
        try r.mapping(node, path: path) { key, value, p throws(ConfigError) in
            switch key {
            case "uri":
                let written = try r.string(value, p)
                s.uri = try r.expanded(written, value, p)
                s.uriAsWritten = written == s.uri ? nil : written
            case "realtime": s.realtime = try r.bool(value, p)
            case "loop": s.loop = try r.bool(value, p)
            case "open_timeout_ms": s.openTimeoutMillis = try r.int(value, p, min: 100, max: 600_000)
            case "read_timeout_ms": s.readTimeoutMillis = try r.int(value, p, min: 100, max: 600_000)
            case "max_frames": s.maxFrames = try r.int(value, p, min: 1, max: Int.max)
            case "width": s.capture.width = try r.int(value, p, min: 16, max: 16384)
            case "height": s.capture.height = try r.int(value, p, min: 16, max: 16384)
            case "fps": s.capture.fps = try r.double(value, p, min: 1, max: 1000)
            case "fourcc":
                let code = try r.string(value, p)
                guard code.utf8.count == 4, code.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == " ") }) else {
                    throw r.error(value, p, "expected four letters or digits, e.g. MJPG or YUYV")
                }
                s.capture.fourcc = code.uppercased()
            case "rtsp_transport": s.capture.rtspTransport = try r.choice(value, p, CaptureOptions.RTSPTransport.self)
            case "rotate":
                let degrees = try r.int(value, p, min: 0, max: 270)
                guard CaptureOptions.rotations.contains(degrees) else { throw r.error(value, p, "must be 0, 90, 180 or 270 (degrees clockwise)") }
                s.capture.rotate = degrees
            case "flip": s.capture.flip = try r.choice(value, p, CaptureOptions.Flip.self)
            case "process_every": s.capture.processEvery = try r.int(value, p, min: 1, max: 100)
            case "crop":
                var x = 0, y = 0, width: Int?, height: Int?
                try r.mapping(value, path: p) { k, v, pp throws(ConfigError) in
                    switch k {
                    case "x": x = try r.int(v, pp, min: 0, max: 16384)
                    case "y": y = try r.int(v, pp, min: 0, max: 16384)
                    case "width": width = try r.int(v, pp, min: 16, max: 16384)
                    case "height": height = try r.int(v, pp, min: 16, max: 16384)
                    default: throw r.unknown(k, v, pp, known: ConfigKeys.children(of: "source.crop"))
                    }
                }
                guard let width, let height else { throw r.error(value, p, "needs width and height (x and y default to 0)") }
                s.capture.crop = .init(x: x, y: y, width: width, height: height)
            case "reconnect":
                try r.mapping(value, path: p) { k, v, pp throws(ConfigError) in
                    switch k {
                    case "initial_delay_ms": s.reconnectInitialDelayMillis = try r.int(v, pp, min: 10, max: 600_000)
                    case "max_delay_ms": s.reconnectMaxDelayMillis = try r.int(v, pp, min: 10, max: 3_600_000)
                    case "max_attempts": s.reconnectMaxAttempts = try r.isNull(v) ? nil : r.int(v, pp, min: 1, max: Int.max)
                    default: throw r.unknown(k, v, pp, known: ConfigKeys.children(of: "source.reconnect"))
                    }
                }
            default:
                throw r.unknown(key, value, p, known: ConfigKeys.children(of: "source"))
            }
        }
    }

    private static func readLandmarks(_ node: Node, _ path: String, _ r: NodeReader, _ l: inout SigndConfiguration.Landmarks) throws(ConfigError) {
        try r.mapping(node, path: path) { key, value, p throws(ConfigError) in
            switch key {
            case "enabled": l.enabled = try r.bool(value, p)
            case "models_dir": l.modelsDirectory = try r.string(value, p); l.modelsDirectoryIsDefault = false
            case "face": l.face = try r.bool(value, p)
            case "refine_face": l.refineFace = try r.bool(value, p)
            case "threads": l.threads = try r.int(value, p, min: 1, max: 64)
            case "min_detection_confidence": l.minDetectionConfidence = try r.double(value, p, min: 0, max: 1)
            case "min_tracking_confidence": l.minTrackingConfidence = try r.double(value, p, min: 0, max: 1)
            case "smooth_landmarks": l.smoothLandmarks = try r.bool(value, p)
            case "pipelined": l.pipelined = try r.bool(value, p)
            default: throw r.unknown(key, value, p, known: ConfigKeys.children(of: "landmarks"))
            }
        }
    }

    private static func readWindows(_ node: Node, _ path: String, _ r: NodeReader, _ w: inout SigndConfiguration.Windows) throws(ConfigError) {
        try r.mapping(node, path: path) { key, value, p throws(ConfigError) in
            switch key {
            case "length": w.length = try r.int(value, p, min: 1, max: 1000)
            case "max_span_factor": w.maxSpanFactor = try r.isNull(value) ? nil : r.double(value, p, min: 1, max: 100)
            // The heads own the windows; their cadence is heads.stride.
            case "stride": throw r.error(value, p, "removed: the heads own the windows; use heads.stride")
            default: throw r.unknown(key, value, p, known: ConfigKeys.children(of: "windows"))
            }
        }
    }

    private static func readHeads(_ node: Node, _ path: String, _ r: NodeReader, _ h: inout SigndConfiguration.Heads) throws(ConfigError) {
        let known = ConfigKeys.children(of: "heads")
        try r.mapping(node, path: path) { key, value, p throws(ConfigError) in
            switch key {
            case "enabled": h.enabled = try r.bool(value, p)
            case "binary": h.binary = try r.isNull(value) ? nil : r.string(value, p); h.binaryIsDefault = false
            case "multiclass": h.multiclass = try r.isNull(value) ? nil : r.string(value, p); h.multiclassIsDefault = false
            case "stride": h.stride = try r.int(value, p, min: 1, max: 1000)
            case "smoothing_alpha": h.smoothingAlpha = try r.double(value, p, min: 0.001, max: 1)
            case "enter_threshold": h.enterThreshold = try r.double(value, p, min: 0, max: 1)
            case "exit_threshold": h.exitThreshold = try r.double(value, p, min: 0, max: 1)
            case "min_start_frames": h.minStartFrames = try r.int(value, p, min: 1, max: 100_000)
            case "min_end_frames": h.minEndFrames = try r.int(value, p, min: 1, max: 100_000)
            case "confirm_frames": h.confirmFrames = try r.int(value, p, min: 0, max: 100_000)
            case "update_interval_frames": h.updateIntervalFrames = try r.int(value, p, min: 0, max: 1_000_000)
            case "multiclass_every": h.multiclassEvery = try r.int(value, p, min: 1, max: 100_000)
            case "top_k": h.topK = try r.int(value, p, min: 1, max: 1000)
            case "unknown_below": h.unknownBelow = try r.isNull(value) ? nil : r.double(value, p, min: 0, max: 1)
            default: throw r.unknown(key, value, p, known: known)
            }
        }
    }

    private static func readEvents(_ node: Node, _ path: String, _ r: NodeReader, _ e: inout SigndConfiguration.Events,
                                   baseDirectory: String?) throws(ConfigError) {
        try r.mapping(node, path: path) { key, value, p throws(ConfigError) in
            switch key {
            case "endpoints": e.endpoints = try r.strings(value, p).map { endpoint throws(ConfigError) in try r.endpoint(endpoint, value, p) }
            case "send_hwm": e.sendHighWaterMark = try r.int(value, p, min: 1, max: 1_000_000)
            case "linger_ms": e.lingerMillis = try r.int(value, p, min: 0, max: 60_000)
            case "stats_interval_s": e.statsIntervalSeconds = try r.double(value, p, min: 0.1, max: 3600)
            case "include_landmarks": e.includeLandmarks = try r.bool(value, p)
            case "landmark_encoding": e.landmarkEncoding = try r.choice(value, p, LandmarkEncoding.self)
            case "status_endpoint": e.statusEndpoint = try r.isNull(value) ? nil : r.endpoint(try r.string(value, p), value, p)
            case "curve":
                var secret: String?, secretFile: String?, publicKey: String?, allowed: [String] = []
                try r.mapping(value, path: p) { k, v, pp throws(ConfigError) in
                    switch k {
                    case "server_secret_key":
                        guard secretFile == nil else { throw r.error(v, pp, "give server_secret_key or server_secret_key_file, not both") }
                        secret = try r.z85Key(v, pp)
                    case "server_secret_key_file":
                        guard secret == nil else { throw r.error(v, pp, "give server_secret_key or server_secret_key_file, not both") }
                        let file = Self.resolve(try r.expanded(try r.string(v, pp), v, pp), against: baseDirectory ?? ".")
                        secret = try SecretFile.z85Key(at: file, node: v, path: pp, reader: r)
                        secretFile = file
                    case "server_public_key": publicKey = try r.z85Key(v, pp)
                    case "allowed_client_keys": allowed = try r.strings(v, pp).map { key throws(ConfigError) in try r.z85Key(key, v, pp) }
                    default: throw r.unknown(k, v, pp, known: ConfigKeys.children(of: "events.curve"))
                    }
                }
                guard let secret else {
                    throw r.error(value, "\(p).server_secret_key", "required when curve is configured (or server_secret_key_file, e.g. a systemd credential)")
                }
                guard !allowed.isEmpty else {
                    throw r.error(value, "\(p).allowed_client_keys", "list at least one client public key (an empty list would lock every subscriber out)")
                }
                e.curve = .init(serverSecretKey: secret, serverPublicKey: publicKey, allowedClientKeys: allowed, serverSecretKeyFile: secretFile)
            default:
                throw r.unknown(key, value, p, known: ConfigKeys.children(of: "events"))
            }
        }
    }

    private static func readSystemd(_ node: Node, _ path: String, _ r: NodeReader, _ s: inout SigndConfiguration.Systemd) throws(ConfigError) {
        try r.mapping(node, path: path) { key, value, p throws(ConfigError) in
            switch key {
            case "notify": s.notify = try r.bool(value, p)
            case "status_interval_s": s.statusIntervalSeconds = try r.double(value, p, min: 0.1, max: 3600)
            default: throw r.unknown(key, value, p, known: ConfigKeys.children(of: "systemd"))
            }
        }
    }

    private static func readHealth(_ node: Node, _ path: String, _ r: NodeReader, _ h: inout SigndConfiguration.Health) throws(ConfigError) {
        try r.mapping(node, path: path) { key, value, p throws(ConfigError) in
            switch key {
            case "interval_s": h.intervalSeconds = try r.double(value, p, min: 0.1, max: 3600)
            case "max_drop_ratio": h.maxDropRatio = try r.double(value, p, min: 0, max: 1)
            default: throw r.unknown(key, value, p, known: ConfigKeys.children(of: "health"))
            }
        }
    }

    private static func readMetrics(_ node: Node, _ path: String, _ r: NodeReader, _ m: inout SigndConfiguration.Metrics) throws(ConfigError) {
        try r.mapping(node, path: path) { key, value, p throws(ConfigError) in
            switch key {
            case "enabled": m.enabled = try r.bool(value, p)
            case "address": m.address = try r.host(value, p)
            case "port": m.port = try r.int(value, p, min: 0, max: 65535)
            default: throw r.unknown(key, value, p, known: ConfigKeys.children(of: "metrics"))
            }
        }
    }

    private static func readLiveView(_ node: Node, _ path: String, _ r: NodeReader, _ v: inout SigndConfiguration.LiveView) throws(ConfigError) {
        try r.mapping(node, path: path) { key, value, p throws(ConfigError) in
            switch key {
            case "enabled": v.enabled = try r.bool(value, p)
            case "address": v.address = try r.host(value, p)
            case "port": v.port = try r.int(value, p, min: 0, max: 65535)
            case "fps": v.fps = try r.double(value, p, min: 0.5, max: 30)
            case "width": v.width = try r.int(value, p, min: 160, max: 1920)
            default: throw r.unknown(key, value, p, known: ConfigKeys.children(of: "live_view"))
            }
        }
    }

    private static func readMQTT(_ node: Node, _ path: String, _ r: NodeReader, _ m: inout SigndConfiguration.MQTT,
                                 baseDirectory: String?) throws(ConfigError) {
        try r.mapping(node, path: path) { key, value, p throws(ConfigError) in
            switch key {
            case "enabled": m.enabled = try r.bool(value, p)
            case "host": m.host = try r.host(value, p)
            case "port": m.port = try r.int(value, p, min: 1, max: 65535)
            case "client_id":
                let id = try r.string(value, p)
                // MQTT 3.1.1 servers must accept 1–23 characters of [0-9a-zA-Z]; most accept more, none accept none.
                guard !id.isEmpty, id.utf8.count <= 128 else { throw r.error(value, p, "expected 1 to 128 characters") }
                m.clientID = id
            case "username": m.username = r.isNull(value) ? nil : try r.string(value, p)
            case "password_file":
                let file = Self.resolve(try r.expanded(try r.string(value, p), value, p), against: baseDirectory ?? ".")
                m.password = try SecretFile.text(at: file, node: value, path: p, reader: r)
                m.passwordFile = file
            case "topic_prefix": m.topicPrefix = try r.topicPrefix(value, p)
            case "discovery_prefix": m.discoveryPrefix = r.isNull(value) ? nil : try r.topicPrefix(value, p)
            case "keepalive_s": m.keepaliveSeconds = try r.int(value, p, min: 5, max: 3600)
            case "qos": m.qos = try r.int(value, p, min: 0, max: 2)
            default: throw r.unknown(key, value, p, known: ConfigKeys.children(of: "mqtt"))
            }
        }
    }

    // MARK: helpers

    /// A relative file path in a source URI, resolved against the config's directory; other URIs as they are.
    private static func resolvedSourceURI(_ uri: String, against base: String) -> String {
        guard !uri.isEmpty, isRelativeFile(uri) else { return uri }
        return resolve(uri, against: base)
    }

    /// A file path (not a camera index, device or URL) that is relative.
    private static func isRelativeFile(_ uri: String) -> Bool {
        Int(uri) == nil && !uri.hasPrefix("/") && !uri.contains("://")
    }

    private static func resolve(_ path: String, against base: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: base).appendingPathComponent(path).standardized.path
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _): return problem
        default: return "\(error)"
        }
    }
}
