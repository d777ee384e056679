import SigndConfig

/// How a running daemon re-reads its configuration on SIGHUP: `load` reads the file again with the same
/// command-line overrides; `setLogLevel` applies `log_level` to the process's log output.
public struct ConfigReloader: Sendable {
    public var load: @Sendable () throws -> SigndConfiguration
    public var setLogLevel: @Sendable (SigndConfiguration.LogLevel) -> Void

    public init(load: @escaping @Sendable () throws -> SigndConfiguration,
                setLogLevel: @escaping @Sendable (SigndConfiguration.LogLevel) -> Void) {
        self.load = load
        self.setLogLevel = setLogLevel
    }

    /// What a reload applies: `new` with every key that needs a restart (the source, the models, the
    /// socket's identity and security) kept at its running value, so the daemon never acts on half of them,
    /// and the names of those keys that changed. Everything else is applied: `log_level`, the heads' decision
    /// values, `windows.max_span_factor`, `events.endpoints`, the intervals, `events.include_landmarks`, `events.landmark_encoding` and
    /// `health.*`. One list both keeps and names the keys, so the two cannot disagree.
    public static func split(running old: SigndConfiguration, file new: SigndConfiguration) -> (applied: SigndConfiguration, pending: [String]) {
        var applied = new
        var pending: [String] = []
        func keep<Value: Equatable>(_ key: String, _ path: WritableKeyPath<SigndConfiguration, Value>) {
            if old[keyPath: path] != new[keyPath: path], !pending.contains(key) { pending.append(key) }
            applied[keyPath: path] = old[keyPath: path]
        }
        keep("camera_id", \.cameraID)
        keep("source", \.source)
        keep("cameras", \.cameras)
        keep("landmarks", \.landmarks)
        keep("windows.length", \.windows.length)
        keep("heads.enabled", \.heads.enabled)
        keep("heads.binary", \.heads.binary)
        keep("heads.binary", \.heads.binaryIsDefault)
        keep("heads.multiclass", \.heads.multiclass)
        keep("heads.multiclass", \.heads.multiclassIsDefault)
        keep("heads.stride", \.heads.stride)
        keep("events.curve", \.events.curve)
        keep("events.send_hwm", \.events.sendHighWaterMark)
        keep("events.linger_ms", \.events.lingerMillis)
        keep("systemd.notify", \.systemd.notify)
        keep("metrics", \.metrics)
        keep("mqtt", \.mqtt)
        keep("live_view", \.liveView)
        return (applied, pending)
    }
}
