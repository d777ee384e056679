/// Why the daemon could not start or had to stop; each names the component and the cause.
public enum DaemonError: Error, CustomStringConvertible {
    case config(String)
    case events(String)
    case source(String)
    case models(String)

    public var description: String {
        switch self {
        case .config(let m): return m
        case .events(let m): return "events: \(m)"
        case .source(let m): return "source: \(m)"
        case .models(let m): return "models: \(m)"
        }
    }
}
