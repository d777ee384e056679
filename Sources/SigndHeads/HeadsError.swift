/// Problems setting up or feeding the heads; each names the model file, field or parameter.
public enum HeadsError: Error, Equatable, CustomStringConvertible {
    /// A tuning value out of range (name is the config key).
    case parameter(name: String, problem: String)
    /// A model cannot run on the landmarks this pipeline produces.
    case layoutMismatch(model: String, problem: String)
    /// A model has the wrong kind (e.g. a multi-class file configured as the binary head).
    case wrongKind(model: String, problem: String)
    /// The model files could not be loaded.
    case load(model: String, reason: String)

    public var description: String {
        switch self {
        case .parameter(let name, let problem): return "heads.\(name): \(problem)"
        case .layoutMismatch(let model, let problem): return "model \(model): \(problem)"
        case .wrongKind(let model, let problem): return "model \(model): \(problem)"
        case .load(let model, let reason): return "model \(model): \(reason)"
        }
    }
}
