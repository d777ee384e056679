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

    /// The keys that changed but take effect only after a restart: what a reload cannot apply in place
    /// (the source, the models, the socket's identity and security). Everything else is applied:
    /// `log_level`, the heads' decision values, `windows.max_span_factor`, `events.endpoints`, the
    /// intervals, `events.include_landmarks` and `health.*`.
    public static func restartOnly(from old: SigndConfiguration, to new: SigndConfiguration) -> [String] {
        var keys: [String] = []
        func check(_ key: String, _ changed: Bool) { if changed { keys.append(key) } }
        check("camera_id", old.cameraID != new.cameraID)
        check("source", old.source != new.source)
        check("landmarks", old.landmarks != new.landmarks)
        check("windows.length", old.windows.length != new.windows.length)
        check("heads.enabled", old.heads.enabled != new.heads.enabled)
        check("heads.binary", old.binaryStem != new.binaryStem)
        check("heads.multiclass", old.multiclassStem != new.multiclassStem)
        check("heads.stride", old.heads.stride != new.heads.stride)
        check("events.curve", old.events.curve != new.events.curve)
        check("events.send_hwm", old.events.sendHighWaterMark != new.events.sendHighWaterMark)
        check("events.linger_ms", old.events.lingerMillis != new.events.lingerMillis)
        check("systemd.notify", old.systemd.notify != new.systemd.notify)
        return keys
    }
}
