/// Why a source could not be opened or read. Each case names the source (credentials redacted) and, where
/// known, the frame.
public enum CaptureError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case cannotOpen(source: String, reason: String)
    case decodeFailed(source: String, frame: Int, reason: String)
    case invalidSource(String)
    /// A `source.*` capture option that does not apply to this source or this frame (`key` is the option).
    case badOption(key: String, source: String, reason: String)
    case unreadableImage(path: String, reason: String)
    case unwritableImage(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "video file '\(path)' does not exist"
        case .cannotOpen(let source, let reason):
            return "cannot open video source '\(SourceSpec.redacted(source))': \(reason)"
        case .decodeFailed(let source, let frame, let reason):
            return "video source '\(SourceSpec.redacted(source))': decoding failed at frame \(frame): \(reason)"
        case .invalidSource(let text):
            return "invalid source '\(SourceSpec.redacted(text))': expected a video file path, a camera index or /dev/videoN, or an rtsp:// / http(s):// URL"
        case .badOption(let key, let source, let reason):
            return "source.\(key): \(reason) (source '\(SourceSpec.redacted(source))')"
        case .unreadableImage(let path, let reason):
            return "cannot read image '\(path)': \(reason)"
        case .unwritableImage(let path, let reason):
            return "cannot write image '\(path)': \(reason)"
        }
    }
}
