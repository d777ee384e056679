import CSigndOpenCV
import Foundation

/// Errors from the OpenCV image bridge.
public struct ImageOpsError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var code: Int32
    public var message: String
    public var description: String { "\(operation) failed (code \(code)): \(message)" }
}

/// Swift side of `signd_image.h`.
public enum ImageOps {
    /// Value range of a model input, e.g. [0,1] or [−1,1].
    public struct ValueRange: Sendable, Hashable {
        public var min: Float
        public var max: Float
        public static let unit = ValueRange(min: 0, max: 1)
        public static let signed = ValueRange(min: -1, max: 1)
    }

    static func check(_ op: String, _ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var buffer = [CChar](repeating: 0, count: 512)
        let code = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        if code != 0 {
            let message = cMessage(buffer)
            throw ImageOpsError(operation: op, code: code, message: message)
        }
    }

    /// ImageToTensor: crops `roi` (pixels) to a width×height RGB NHWC float tensor written into `out`
    /// (which must hold width·height·3 floats).
    public static func cropToTensor(_ frame: BGRFrameView, roi: PixelRect, width: Int, height: Int,
                                    zeroBorder: Bool, range: ValueRange,
                                    into out: UnsafeMutableBufferPointer<Float>) throws {
        guard out.count == width * height * 3 else {
            throw ImageOpsError(operation: "crop_to_tensor", code: 1,
                                message: "output holds \(out.count) floats, need \(width * height * 3)")
        }
        let rect = signd_rotated_rect(center_x: roi.centerX, center_y: roi.centerY, width: roi.width,
                                      height: roi.height, rotation: roi.rotation)
        try check("crop_to_tensor") { err, len in
            signd_crop_to_tensor(frame.cView, rect, Int32(width), Int32(height), zeroBorder ? 1 : 0,
                                 range.min, range.max, out.baseAddress, err, len)
        }
    }

    /// Array convenience for tests and tools.
    public static func cropToTensor(_ frame: BGRFrameView, roi: PixelRect, width: Int, height: Int,
                                    zeroBorder: Bool, range: ValueRange, into out: inout [Float]) throws {
        let needed = width * height * 3
        if out.count != needed { out = [Float](repeating: 0, count: needed) }
        try out.withUnsafeMutableBufferPointer { buffer in
            try cropToTensor(frame, roi: roi, width: width, height: height, zeroBorder: zeroBorder, range: range,
                             into: buffer)
        }
    }
}
