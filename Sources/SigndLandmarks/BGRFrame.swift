import CSigndOpenCV

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

    var size: ImageSize { ImageSize(width: width, height: height) }

    var cView: signd_bgr_view {
        signd_bgr_view(pixels: pixels, width: Int32(width), height: Int32(height), stride: Int64(stride))
    }
}

/// An owned 8-bit BGR image (tests, overlays, contact sheets).
public struct BGRImage: Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]
    public var stride: Int { width * 3 }

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "BGRImage needs width·height·3 bytes")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A uniformly coloured image.
    public init(width: Int, height: Int, blue: UInt8 = 0, green: UInt8 = 0, red: UInt8 = 0) {
        self.width = width
        self.height = height
        var px = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            px[3 * i] = blue
            px[3 * i + 1] = green
            px[3 * i + 2] = red
        }
        pixels = px
    }

    /// Calls `body` with a view of the pixels.
    public func withView<R>(_ body: (BGRFrameView) throws -> R) rethrows -> R {
        try pixels.withUnsafeBufferPointer { buf in
            try body(BGRFrameView(pixels: buf.baseAddress!, width: width, height: height, stride: width * 3))
        }
    }
}
