import Foundation

/// Errors of the landmark pipeline, each naming what failed.
public enum HolisticError: Error, CustomStringConvertible, Sendable {
    case modelsDirectoryMissing(URL)
    case modelLoad(model: String, path: String, reason: String)
    case inference(model: String, reason: String)
    case unexpectedOutput(model: String, detail: String)
    case invalidFrame(width: Int, height: Int, stride: Int, reason: String)
    case image(String)

    public var description: String {
        switch self {
        case let .modelsDirectoryMissing(url):
            return "models directory \(url.path) does not exist (fetch them with `scripts/fetch-models \(url.path)`, or point --models-dir, landmarks.models_dir or $SIGND_MODELS_DIR at a directory that has them)"
        case let .modelLoad(model, path, reason):
            return "cannot load model \(model) from \(path): \(reason)"
        case let .inference(model, reason):
            return "inference of \(model) failed: \(reason)"
        case let .unexpectedOutput(model, detail):
            return "model \(model) returned unexpected outputs: \(detail)"
        case let .invalidFrame(w, h, s, reason):
            return "invalid frame \(w)×\(h) (stride \(s)): \(reason)"
        case let .image(message):
            return "image operation failed: \(message)"
        }
    }
}

