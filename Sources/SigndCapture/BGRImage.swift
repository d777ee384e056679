import CSigndOpenCV

/// A decoded 8-bit BGR frame owned by OpenCV. Immutable once captured, so it can be shared between the
/// stages (and the two hand threads) without copying.
public final class BGRImage: @unchecked Sendable {
    /// The underlying C handle; valid for the lifetime of this object.
    public let handle: OpaquePointer

    init(taking handle: OpaquePointer) { self.handle = handle }

    deinit { signd_image_release(handle) }

    public var width: Int { Int(signd_image_width(handle)) }
    public var height: Int { Int(signd_image_height(handle)) }
    /// Bytes per row (≥ width·3).
    public var rowStride: Int { Int(signd_image_step(handle)) }
    public var pixels: UnsafePointer<UInt8> { signd_image_data(handle) }

    /// Copies packed or strided BGR bytes into a new image (tests, synthetic frames).
    public convenience init?(bgr bytes: UnsafeBufferPointer<UInt8>, width: Int, height: Int, rowStride: Int? = nil) {
        let stride = rowStride ?? width * 3
        guard width > 0, height > 0, let base = bytes.baseAddress, bytes.count >= stride * (height - 1) + width * 3,
              let h = signd_image_from_bgr(base, Int32(width), Int32(height), stride)
        else { return nil }
        self.init(taking: h)
    }

    /// A uniformly coloured frame.
    public static func filled(width: Int, height: Int, blue: UInt8 = 0, green: UInt8 = 0, red: UInt8 = 0) -> BGRImage? {
        guard width > 0, height > 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: width * height * 3)
        for i in stride(from: 0, to: bytes.count, by: 3) { bytes[i] = blue; bytes[i + 1] = green; bytes[i + 2] = red }
        return bytes.withUnsafeBufferPointer { BGRImage(bgr: $0, width: width, height: height) }
    }

    /// Reads an image file (PNG, JPEG…).
    public static func read(path: String) throws(CaptureError) -> BGRImage {
        var err = [CChar](repeating: 0, count: 512)
        guard let h = signd_image_read(path, &err, err.count) else {
            throw .unreadableImage(path: path, reason: String(cString: err))
        }
        return BGRImage(taking: h)
    }

    /// Writes the image; the format follows the file extension.
    public func write(path: String) throws(CaptureError) {
        var err = [CChar](repeating: 0, count: 512)
        if signd_image_write(handle, path, &err, err.count) != 0 {
            throw .unwritableImage(path: path, reason: String(cString: err))
        }
    }
}
