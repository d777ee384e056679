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
            let message = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw ImageOpsError(operation: op, code: code, message: message)
        }
    }

    /// ImageToTensor: crops `roi` (pixels) to a width×height RGB NHWC float tensor written into `out`.
    public static func cropToTensor(_ frame: BGRFrameView, roi: PixelRect, width: Int, height: Int,
                                    zeroBorder: Bool, range: ValueRange, into out: inout [Float]) throws {
        let needed = width * height * 3
        if out.count != needed { out = [Float](repeating: 0, count: needed) }
        let rect = signd_rotated_rect(center_x: roi.centerX, center_y: roi.centerY, width: roi.width,
                                      height: roi.height, rotation: roi.rotation)
        try out.withUnsafeMutableBufferPointer { dst in
            try check("crop_to_tensor") { err, len in
                signd_crop_to_tensor(frame.cView, rect, Int32(width), Int32(height), zeroBorder ? 1 : 0,
                                     range.min, range.max, dst.baseAddress, err, len)
            }
        }
    }

    /// Reads an image file into an owned BGR image.
    public static func readImage(_ url: URL) throws -> BGRImage {
        var ptr: UnsafeMutablePointer<UInt8>?
        var w: Int32 = 0, h: Int32 = 0
        try check("read_image") { err, len in signd_read_image(url.path, &ptr, &w, &h, err, len) }
        defer { signd_free_pixels(ptr) }
        let count = Int(w) * Int(h) * 3
        let pixels = Array(UnsafeBufferPointer(start: ptr, count: count))
        return BGRImage(width: Int(w), height: Int(h), pixels: pixels)
    }

    public static func writeImage(_ image: BGRImage, to url: URL) throws {
        try image.withView { v in
            try check("write_image") { err, len in signd_write_image(url.path, v.cView, err, len) }
        }
    }

    /// Resizes `image` to width×height (INTER_AREA).
    public static func resize(_ image: BGRImage, width: Int, height: Int) throws -> BGRImage {
        var out = BGRImage(width: width, height: height)
        try image.withView { src in
            try out.pixels.withUnsafeMutableBufferPointer { dst in
                let d = signd_bgr_mut_view(pixels: dst.baseAddress, width: Int32(width), height: Int32(height),
                                           stride: Int64(width * 3))
                try check("resize") { err, len in signd_resize_bgr(src.cView, d, err, len) }
            }
        }
        return out
    }
}
