import Foundation

/// Every failure of loading or running a SignSTGCN head, as a value that names the file and the
/// tensor or manifest field at fault.
public enum STGCNError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// A safetensors file whose layout is broken (size, header length, JSON, offsets).
    case safetensors(file: String, field: String, problem: String)
    /// A tensor with a dtype the model cannot use.
    case wrongDtype(file: String, tensor: String, dtype: String, expected: String)
    /// A tensor the model needs is not in the file.
    case missingTensor(file: String, tensor: String)
    /// A tensor that is not part of the model (and not one of the ignored ones).
    case unexpectedTensor(file: String, tensor: String)
    /// A tensor whose shape differs from the one the manifest implies.
    case wrongShape(file: String, tensor: String, expected: [Int], actual: [Int])
    /// A manifest that is not valid JSON, misses a field or has a bad value.
    case manifest(file: String, field: String, problem: String)
    /// Manifest and weights disagree (e.g. attention kind, coords, classes).
    case mismatch(field: String, tensor: String, problem: String)
    /// An input buffer of the wrong size.
    case input(what: String, expected: Int, actual: Int)
    /// A weight tensor holding NaN or ±inf (a diverged training run): every output would be NaN.
    case nonFinite(file: String, tensor: String, count: Int)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .safetensors(file, field, problem):
            return "\(file): safetensors \(field): \(problem)"
        case let .wrongDtype(file, tensor, dtype, expected):
            return "\(file): tensor '\(tensor)' has dtype \(dtype), expected \(expected)"
        case let .missingTensor(file, tensor):
            return "\(file): missing tensor '\(tensor)'"
        case let .unexpectedTensor(file, tensor):
            return "\(file): unexpected tensor '\(tensor)' (not part of SignSTGCN)"
        case let .wrongShape(file, tensor, expected, actual):
            return "\(file): tensor '\(tensor)' has shape \(actual), expected \(expected)"
        case let .manifest(file, field, problem):
            return "\(file): manifest field '\(field)': \(problem)"
        case let .mismatch(field, tensor, problem):
            return "manifest field '\(field)' disagrees with tensor '\(tensor)': \(problem)"
        case let .input(what, expected, actual):
            return "\(what): expected \(expected) floats, got \(actual)"
        case let .nonFinite(file, tensor, count):
            return "\(file): tensor '\(tensor)' holds \(count) non-finite value\(count == 1 ? "" : "s") (NaN or inf); the model cannot give a probability"
        }
    }

    public var errorDescription: String? { description }
}
