import Foundation

/// Everything that can go wrong between a path on disk and a finished inference. Each case names the
/// file, symbol, call or tensor involved.
public enum LiteRtError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The runtime library is absent or `dlopen` refused it.
    case missingLibrary(path: String, reason: String)
    /// The library loaded but lacks functions signd needs (all of them listed).
    case missingSymbols(library: String, symbols: [String])
    case modelFileMissing(path: String)
    /// The file exists but is not a loadable TFLite model.
    case modelFileCorrupt(path: String, reason: String)
    /// The file is shorter than the pinned size.
    case modelFileTruncated(path: String, expectedBytes: Int, actualBytes: Int)
    case sha256Mismatch(path: String, expected: String, actual: String)
    case fileUnreadable(path: String, reason: String)
    /// A LiteRT C function returned a non-OK status.
    case callFailed(call: String, status: Int32, model: String)
    /// signd only feeds and reads float32 tensors.
    case unsupportedTensor(model: String, tensor: String, reason: String)
    /// The model has no output of that name (e.g. a plain face model where the attention model is needed).
    case outputMissing(model: String, tensor: String, reason: String)
    /// Only some outputs were asked for, and the model's structure does not allow dropping the others.
    case outputsNotSeparable(model: String, reason: String)
    /// One of MediaPipe's custom ops in the file has a version signd's kernels do not implement.
    case unsupportedCustomOpVersion(model: String, op: String, version: Int, implemented: Int)
    case tensorIndexOutOfRange(model: String, kind: String, index: Int, count: Int)
    /// A copy-in/copy-out buffer whose element count differs from the tensor's.
    case elementCountMismatch(model: String, tensor: String, expected: Int, actual: Int)
    case invalidThreadCount(Int)
    /// One of MediaPipe's custom ops (CLiteRt/mediapipe_ops.c) refused its options or tensors.
    case customOpFailed(model: String, reason: String)

    public var description: String {
        switch self {
        case let .missingLibrary(path, reason):
            return "missing library: cannot load LiteRT runtime \(path): \(reason)"
        case let .missingSymbols(library, symbols):
            let list = symbols.joined(separator: ", ")
            return "missing symbol\(symbols.count == 1 ? "" : "s") \(list) in \(library)"
        case let .modelFileMissing(path):
            return "model file missing: \(path)"
        case let .modelFileCorrupt(path, reason):
            return "model file corrupt: \(path): \(reason)"
        case let .modelFileTruncated(path, expected, actual):
            return "model file truncated: \(path) has \(actual) bytes, expected \(expected)"
        case let .sha256Mismatch(path, expected, actual):
            return "sha256 mismatch for \(path): expected \(expected) got \(actual)"
        case let .fileUnreadable(path, reason):
            return "cannot read \(path): \(reason)"
        case let .callFailed(call, status, model):
            return "LiteRT call \(call) failed with status \(status) (\(LiteRtStatusName.name(status)))"
                + (model.isEmpty ? "" : " for \(model)")
        case let .unsupportedTensor(model, tensor, reason):
            return "unsupported tensor \(tensor) in \(model): \(reason)"
        case let .outputMissing(model, tensor, reason):
            return "no output \(tensor) in \(model): \(reason)"
        case let .outputsNotSeparable(model, reason):
            return "cannot run only some outputs of \(model): \(reason)"
        case let .unsupportedCustomOpVersion(model, op, version, implemented):
            return "custom op \(op) in \(model) is version \(version); signd implements version \(implemented)"
        case let .tensorIndexOutOfRange(model, kind, index, count):
            return "\(kind) index \(index) out of range for \(model) (it has \(count))"
        case let .elementCountMismatch(model, tensor, expected, actual):
            return "tensor \(tensor) of \(model) holds \(expected) floats, buffer has \(actual)"
        case let .invalidThreadCount(count):
            return "invalid XNNPACK thread count \(count) (must be ≥ 1)"
        case let .customOpFailed(model, reason):
            return "MediaPipe custom op failed in \(model): \(reason)"
        }
    }
}

/// Names of LiteRtStatus values (the 2.3.0 library does not export LiteRtGetStatusString).
enum LiteRtStatusName {
    static func name(_ status: Int32) -> String {
        switch status {
        case 0: return "ok"
        case 1: return "invalid argument"
        case 2: return "memory allocation failure"
        case 3: return "runtime failure"
        case 4: return "missing input tensor"
        case 5: return "unsupported"
        case 6: return "not found"
        case 7: return "timeout expired"
        case 8: return "wrong version"
        case 9: return "unknown"
        case 10: return "already exists"
        case 100: return "cancelled"
        case 500: return "file I/O error"
        case 501: return "invalid flatbuffer"
        case 502: return "dynamic loading error"
        case 503: return "serialization error"
        case 504: return "compilation error"
        case 1000: return "index out of bounds"
        default: return "unrecognized status"
        }
    }
}
