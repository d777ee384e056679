import Foundation
import SigndLiteRT

/// Per-frame use of a LiteRT model: warp the ROI straight into the model's input buffer, run, read
/// outputs (checking the element counts of docs/holistic.md §4).
extension LiteRtModel {
    /// ImageToTensor into input 0, then run.
    func run(cropping frame: BGRFrameView, roi: PixelRect, side: Int, zeroBorder: Bool,
             range: ImageOps.ValueRange, model: HolisticModel) throws {
        do {
            try withInput(0) { input in
                guard input.count == side * side * 3 else {
                    throw HolisticError.unexpectedOutput(
                        model: model.rawValue, detail: "input holds \(input.count) floats, expected \(side)×\(side)×3")
                }
                try ImageOps.cropToTensor(frame, roi: roi, width: side, height: side, zeroBorder: zeroBorder,
                                          range: range, into: input)
            }
            try run()
        } catch let error as HolisticError {
            throw error
        } catch let error as ImageOpsError {
            throw HolisticError.image(error.description)
        } catch {
            throw HolisticError.inference(model: model.rawValue, reason: String(describing: error))
        }
    }

    /// Output `index` as an array, checking its element count.
    func outputValues(_ index: Int, count: Int, model: HolisticModel) throws -> [Float] {
        do {
            return try withOutput(index) { buffer in
                guard buffer.count == count else {
                    throw HolisticError.unexpectedOutput(
                        model: model.rawValue, detail: "output \(index) holds \(buffer.count) floats, expected \(count)")
                }
                return Array(buffer)
            }
        } catch let error as HolisticError {
            throw error
        } catch {
            throw HolisticError.inference(model: model.rawValue, reason: String(describing: error))
        }
    }
}
