/// Why the daemon could not start or had to stop, grouped by what an operator must do: each case maps to a
/// sysexits(3) code so systemd can tell "fix the config" (78, `RestartPreventExitStatus=78`) from "try again".
/// The message names the component (key, file, model); `cause` keeps the module's own typed error
/// (`HeadsError`, `CaptureError`, `ZmqError`, …) where there is one, for callers that act on it. The `signd`
/// executable renders the message in one place.
public enum DaemonError: Error, CustomStringConvertible {
    /// A config value the daemon cannot use (bad key, key pair, unit setting).
    case config(String, cause: (any Error)? = nil)
    /// A model is missing, unreadable or does not fit the config: restarting cannot fix it.
    case models(String, cause: (any Error)? = nil)
    /// The event sockets could not be bound (e.g. the address is in use).
    case events(String, cause: (any Error)? = nil)
    /// The source could not be opened or read (a file that is absent or not a video).
    case source(String, cause: (any Error)? = nil)
    /// An optional endpoint (metrics, MQTT, live view) could not start: its message names the key.
    case integration(String, cause: (any Error)? = nil)
    /// A live source stayed unavailable past `source.reconnect.max_attempts`.
    case sourceGaveUp(String)

    public var description: String {
        switch self {
        case .config(let m, _): return m
        case .events(let m, _): return "events: \(m)"
        case .source(let m, _): return "source: \(m)"
        case .sourceGaveUp(let m): return "source: \(m)"
        case .models(let m, _): return "models: \(m)"
        case .integration(let m, _): return m
        }
    }

    /// The typed error of the module that failed, when the failure came from one.
    public var cause: (any Error)? {
        switch self {
        case .config(_, let c), .models(_, let c), .events(_, let c), .source(_, let c), .integration(_, let c): return c
        case .sourceGaveUp: return nil
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .config, .models: return ExitStatus.config
        case .source: return ExitStatus.noInput
        case .events, .integration, .sourceGaveUp: return ExitStatus.unavailable
        }
    }
}

/// The sysexits(3) codes signd uses (docs/operations.md).
public enum ExitStatus {
    /// EX_USAGE: bad command-line flags.
    public static let usage: Int32 = 64
    /// EX_NOINPUT: an input file is absent or unreadable.
    public static let noInput: Int32 = 66
    /// EX_UNAVAILABLE: a service the daemon needs (source, socket) is not available; a restart may help.
    public static let unavailable: Int32 = 69
    /// EX_SOFTWARE: an internal error.
    public static let software: Int32 = 70
    /// EX_CONFIG: the configuration or a model is wrong; restarting will not help.
    public static let config: Int32 = 78
}
