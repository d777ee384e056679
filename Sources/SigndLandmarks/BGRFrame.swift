import CSigndOpenCV
import SigndCapture

/// A read-only view of an 8-bit BGR frame (3 bytes per pixel, `stride` bytes per row). The memory must
/// stay valid and unchanged for the duration of the call that receives the view; both hand workers read
/// it concurrently, which is why it is `@unchecked Sendable`.
public struct BGRFrameView: @unchecked Sendable {
    public let pixels: UnsafePointer<UInt8>
    public let width: Int
    public let height: Int
    public let stride: Int

    public init(pixels: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int) {
        self.pixels = pixels
        self.width = width
        self.height = height
        self.stride = stride
    }

    /// A view of a captured image (valid while `image` is alive).
    public init(_ image: BGRImage) {
        self.init(pixels: image.pixels, width: image.width, height: image.height, stride: image.rowStride)
    }

    public var size: ImageSize { ImageSize(width: width, height: height) }

    var cView: signd_bgr_view {
        signd_bgr_view(pixels: pixels, width: Int32(width), height: Int32(height), stride: Int64(stride))
    }
}
