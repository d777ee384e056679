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
            return "models directory \(url.path) does not exist (set SIGND_MODELS_DIR or fetch the models into Models/)"
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

/// Runs a model and maps failures to `HolisticError.inference`.
func runModel(_ model: InferenceModel, _ name: HolisticModel, _ input: [Float]) throws -> [[Float]] {
    do {
        return try model.run(input: input)
    } catch let e as HolisticError {
        throw e
    } catch {
        throw HolisticError.inference(model: name.rawValue, reason: String(describing: error))
    }
}

/// Picks the output tensor at `index`, checking its element count.
func output(_ outs: [[Float]], _ index: Int, count: Int, of model: HolisticModel) throws -> [Float] {
    guard index < outs.count else {
        throw HolisticError.unexpectedOutput(model: model.rawValue, detail: "\(outs.count) outputs, need index \(index)")
    }
    guard outs[index].count == count else {
        throw HolisticError.unexpectedOutput(
            model: model.rawValue, detail: "output \(index) has \(outs[index].count) values, expected \(count)")
    }
    return outs[index]
}

/// Crops and maps bridge errors to `HolisticError.image`.
func crop(_ frame: BGRFrameView, _ roi: PixelRect, size: Int, zeroBorder: Bool, range: ImageOps.ValueRange,
          into buffer: inout [Float]) throws {
    do {
        try ImageOps.cropToTensor(frame, roi: roi, width: size, height: size, zeroBorder: zeroBorder, range: range,
                                  into: &buffer)
    } catch {
        throw HolisticError.image(String(describing: error))
    }
}
