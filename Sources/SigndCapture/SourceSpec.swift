import Foundation

/// Where frames come from. Parsed from the one string a user types: a camera index (`0`), a V4L2 device
/// (`/dev/video0`), a network URL (`rtsp://…`, `http://…`) or a video file path.
public enum SourceSpec: Sendable, Equatable, CustomStringConvertible {
    case file(path: String)
    case camera(index: Int)
    case device(path: String)
    case network(url: String)

    public init(parsing text: String) throws(CaptureError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .invalidSource(text) }
        if let index = Int(trimmed) {
            guard index >= 0 else { throw .invalidSource(text) }
            self = .camera(index: index)
        } else if trimmed.hasPrefix("/dev/video") {
            self = .device(path: trimmed)
        } else if let scheme = trimmed.range(of: "://").map({ trimmed[..<$0.lowerBound].lowercased() }) {
            guard ["rtsp", "rtsps", "http", "https", "rtmp", "udp", "tcp"].contains(scheme) else {
                throw .invalidSource(text)
            }
            self = .network(url: trimmed)
        } else {
            self = .file(path: trimmed)
        }
    }

    /// Live sources deliver frames in real time and can drop out; files can be replayed and end.
    public var isLive: Bool {
        if case .file = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .file(let path): return path
        case .camera(let index): return "camera \(index)"
        case .device(let path): return path
        case .network(let url): return Self.redactingCredentials(url)
        }
    }

    /// A configured source as it may be shown (logs, `check-config`, events): any `user:password@` in it
    /// redacted, whether or not it parses.
    public static func redacted(_ uri: String) -> String { redactingCredentials(uri) }

    /// `rtsp://user:secret@host/…` → `rtsp://user:***@host/…`, so logs and events never carry passwords.
    static func redactingCredentials(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].firstIndex(of: "@"),
              let colon = url[schemeEnd.upperBound..<at].firstIndex(of: ":")
        else { return url }
        return url[..<url.index(after: colon)] + "***" + url[at...]
    }
}
