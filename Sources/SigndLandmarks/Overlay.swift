import CSigndOpenCV
import Foundation
import SigndCapture
import SigndCore

/// A mutable copy of a frame to draw landmarks and ROIs on (for `signd extract --overlay` and contact
/// sheets, where a human checks the result).
public struct OverlayCanvas: Sendable {
    public let width: Int
    public let height: Int
    public private(set) var pixels: [UInt8]

    public init(copying image: BGRImage) {
        width = image.width
        height = image.height
        var px = [UInt8](repeating: 0, count: image.width * image.height * 3)
        let stride = image.rowStride
        withExtendedLifetime(image) {
            px.withUnsafeMutableBufferPointer { dst in
                for y in 0..<image.height {
                    (dst.baseAddress! + y * image.width * 3)
                        .update(from: image.pixels + y * stride, count: image.width * 3)
                }
            }
        }
        pixels = px
    }

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
    }

    /// `image` resized to `width` × `height` straight from its own rows: a view at a smaller size costs no
    /// full-size copy (the live view draws on the scaled frame).
    public init(scaling image: BGRImage, width: Int, height: Int) throws {
        self = try withExtendedLifetime(image) {
            try Self.resizing(signd_bgr_view(pixels: image.pixels, width: Int32(image.width), height: Int32(image.height),
                                             stride: Int64(image.rowStride)), width: width, height: height)
        }
    }

    /// BlazePose connections between the 33 landmarks.
    public static let poseConnections: [(Int32, Int32)] = [
        (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10), (11, 12), (11, 13), (13, 15),
        (15, 17), (15, 19), (15, 21), (17, 19), (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
        (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28), (27, 29), (28, 30), (29, 31),
        (30, 32), (27, 31), (28, 32),
    ]
    /// Hand connections between the 21 landmarks.
    public static let handConnections: [(Int32, Int32)] = [
        (0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10), (10, 11), (11, 12),
        (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (0, 17), (17, 18), (18, 19), (19, 20),
    ]

    private mutating func withMutView(_ body: (signd_bgr_mut_view) -> Int32) {
        let w = width, h = height
        pixels.withUnsafeMutableBufferPointer { buf in
            let view = signd_bgr_mut_view(pixels: buf.baseAddress, width: Int32(w), height: Int32(h), stride: Int64(w * 3))
            _ = body(view)   // drawing never fails on a valid canvas; a failure would only skip a mark
        }
    }

    /// Draws normalized points (`channels` floats per point, x and y first) and their connections.
    public mutating func drawLandmarks(_ values: [Float], channels: Int, connections: [(Int32, Int32)],
                                       color: (UInt8, UInt8, UInt8), radius: Int32 = 2) {
        let n = values.count / channels
        guard n > 0, values.contains(where: { !$0.isNaN }) else { return }
        var xy = [Float](repeating: .nan, count: n * 2)
        for i in 0..<n {
            xy[2 * i] = values[i * channels] * Float(width)
            xy[2 * i + 1] = values[i * channels + 1] * Float(height)
        }
        let pairs = connections.flatMap { [$0.0, $0.1] }
        withMutView { v in
            xy.withUnsafeBufferPointer { p in
                pairs.withUnsafeBufferPointer { c in
                    _ = signd_draw_segments(v, p.baseAddress, Int32(n), c.baseAddress, Int32(connections.count), 1,
                                            color.0, color.1, color.2, nil, 0)
                    return signd_draw_points(v, p.baseAddress, Int32(n), radius, color.0, color.1, color.2, nil, 0)
                }
            }
        }
    }

    public mutating func drawRect(_ rect: NormRect?, color: (UInt8, UInt8, UInt8)) {
        guard let rect else { return }
        let r = PixelRect(rect, in: ImageSize(width: width, height: height))
        let c = signd_rotated_rect(center_x: r.centerX, center_y: r.centerY, width: r.width, height: r.height,
                                   rotation: r.rotation)
        withMutView { signd_draw_rotated_rect($0, c, 1, color.0, color.1, color.2, nil, 0) }
    }

    public mutating func drawText(_ text: String, x: Int, y: Int) {
        withMutView { v in signd_draw_text(v, text, Int32(x), Int32(y), 0.5, 255, 255, 255, nil, 0) }
    }

    /// Draws everything of one frame: pose (green), left hand (blue), right hand (red), face (white dots),
    /// and the ROIs the models ran on (yellow; cyan when the pose detector ran).
    public mutating func draw(_ lm: HolisticLandmarks, info: HolisticFrameInfo, label: String) {
        drawRect(info.poseRoi, color: info.ranPoseDetector ? (255, 255, 0) : (0, 255, 255))
        drawRect(info.leftHandRoi, color: (0, 255, 255))
        drawRect(info.rightHandRoi, color: (0, 255, 255))
        drawRect(info.faceRoi, color: (0, 255, 255))
        if let face = lm.face { drawLandmarks(face, channels: 3, connections: [], color: (230, 230, 230), radius: 1) }
        drawLandmarks(lm.pose, channels: 4, connections: Self.poseConnections, color: (0, 220, 0))
        drawLandmarks(lm.leftHand, channels: 3, connections: Self.handConnections, color: (255, 80, 0))
        drawLandmarks(lm.rightHand, channels: 3, connections: Self.handConnections, color: (0, 0, 255))
        drawText(label, x: 5, y: 15)
    }

    /// The canvas as a JPEG file's bytes (quality 1–100).
    public func jpeg(quality: Int) throws -> [UInt8] {
        var failure: String?
        var bytes: [UInt8] = []
        let (w, h) = (width, height)
        pixels.withUnsafeBufferPointer { src in
            let view = signd_bgr_view(pixels: src.baseAddress, width: Int32(w), height: Int32(h), stride: Int64(w * 3))
            var out: UnsafeMutablePointer<UInt8>?
            var count = 0
            var err = [CChar](repeating: 0, count: 256)
            if signd_encode_jpeg(view, Int32(quality), &out, &count, &err, err.count) != 0 {
                failure = cMessage(err)
            } else if let out {
                bytes = Array(UnsafeBufferPointer(start: out, count: count))
                free(out)
            }
        }
        if let failure { throw HolisticError.image(failure) }
        return bytes
    }

    /// The canvas resized (INTER_AREA).
    public func resized(width: Int, height: Int) throws -> OverlayCanvas {
        let (w, h) = (self.width, self.height)
        return try pixels.withUnsafeBufferPointer { src in
            try Self.resizing(signd_bgr_view(pixels: src.baseAddress, width: Int32(w), height: Int32(h), stride: Int64(w * 3)),
                              width: width, height: height)
        }
    }

    /// A new canvas of `width` × `height` with `source` resized into it (OpenCV INTER_AREA, in the shim).
    private static func resizing(_ source: signd_bgr_view, width: Int, height: Int) throws -> OverlayCanvas {
        var out = OverlayCanvas(width: width, height: height)
        var failure: String?
        out.pixels.withUnsafeMutableBufferPointer { dst in
            let d = signd_bgr_mut_view(pixels: dst.baseAddress, width: Int32(width), height: Int32(height), stride: Int64(width * 3))
            var err = [CChar](repeating: 0, count: 256)
            if signd_resize_bgr(source, d, &err, err.count) != 0 { failure = cMessage(err) }
        }
        if let failure { throw HolisticError.image(failure) }
        return out
    }

    /// Copies `tile` into this canvas at (x, y) (clipped).
    public mutating func paste(_ tile: OverlayCanvas, x: Int, y: Int) {
        for row in 0..<tile.height where y + row < height {
            let n = min(tile.width, width - x) * 3
            guard n > 0 else { return }
            let src = row * tile.width * 3
            let dst = ((y + row) * width + x) * 3
            pixels.replaceSubrange(dst..<(dst + n), with: tile.pixels[src..<(src + n)])
        }
    }

    /// Writes the canvas as an image file (format from the extension).
    public func write(to url: URL) throws {
        guard let image = pixels.withUnsafeBufferPointer({ BGRImage(bgr: $0, width: width, height: height) }) else {
            throw HolisticError.image("cannot build an image of \(width)×\(height)")
        }
        do { try image.write(path: url.path) } catch { throw HolisticError.image(String(describing: error)) }
    }
}

/// Writes overlay frames to a video file (mp4v for .mp4, MJPG for .avi).
public final class OverlayVideoWriter {
    private var writer: OpaquePointer?
    public let url: URL

    public init(url: URL, fps: Double, width: Int, height: Int) throws {
        self.url = url
        var err = [CChar](repeating: 0, count: 512)
        var handle: OpaquePointer?
        let code = signd_video_writer_open(url.path, fps > 0 ? fps : 30, Int32(width), Int32(height), &handle,
                                           &err, err.count)
        guard code == 0, let handle else { throw HolisticError.image(cMessage(err)) }
        writer = handle
    }

    public func write(_ canvas: OverlayCanvas) throws {
        guard let writer else { throw HolisticError.image("overlay writer for \(url.path) is closed") }
        var err = [CChar](repeating: 0, count: 512)
        let code = canvas.pixels.withUnsafeBufferPointer { p in
            signd_video_writer_write(writer, signd_bgr_view(pixels: p.baseAddress, width: Int32(canvas.width),
                                                            height: Int32(canvas.height), stride: Int64(canvas.width * 3)),
                                     &err, err.count)
        }
        if code != 0 { throw HolisticError.image(cMessage(err)) }
    }

    public func close() {
        if let writer { signd_video_writer_close(writer) }
        writer = nil
    }

    deinit { close() }
}

/// The NUL-terminated message in a C error buffer.
func cMessage(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
