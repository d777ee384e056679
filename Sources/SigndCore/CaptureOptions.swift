/// What to ask of a video source when it opens, and what to do to every frame before anything else sees it
/// (`source.width`, `height`, `fps`, `fourcc`, `rtsp_transport`, `rotate`, `flip`, `crop`; docs/configuration.md).
/// Frames are rotated, then flipped, then cropped; the landmarks are those of the result.
public struct CaptureOptions: Sendable, Equatable {
    public enum RTSPTransport: String, Sendable, Equatable, CaseIterable {
        /// RTP interleaved in the RTSP connection: passes NAT and firewalls, no packet loss.
        case tcp
        case udp
    }

    public enum Flip: String, Sendable, Equatable, CaseIterable {
        case none
        /// Left and right swapped: what a selfie camera's preview shows.
        case horizontal
        case vertical
    }

    /// A rectangle in pixels of the rotated, flipped frame.
    public struct Crop: Sendable, Equatable {
        public var x: Int, y: Int, width: Int, height: Int
        public init(x: Int, y: Int, width: Int, height: Int) { self.x = x; self.y = y; self.width = width; self.height = height }
    }

    /// Cameras (V4L2) only: the frame size, rate and pixel format to ask the driver for.
    public var width: Int?
    public var height: Int?
    public var fps: Double?
    /// Four characters, e.g. `MJPG` (most USB cameras deliver full HD at 30 fps only as MJPG).
    public var fourcc: String?
    /// `rtsp://` sources only. nil: FFmpeg's default (UDP, falling back to TCP).
    public var rtspTransport: RTSPTransport?
    /// Degrees clockwise: 0, 90, 180 or 270.
    public var rotate = 0
    public var flip = Flip.none
    public var crop: Crop?
    /// Process every Nth frame of the source (frame indices keep counting source frames): a fixed rate of
    /// source fps / N, instead of whatever survives when the pipeline cannot keep up.
    public var processEvery = 1

    public init() {}

    public static let rotations = [0, 90, 180, 270]

    /// True when any camera format field is set.
    public var requestsCameraFormat: Bool { width != nil || height != nil || fps != nil || fourcc != nil }

    /// The frame size after rotation (before the crop) for a source delivering `width` × `height`.
    public func rotatedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        rotate == 90 || rotate == 270 ? (height, width) : (width, height)
    }

    /// Why `crop` does not fit a frame of `width` × `height` as delivered (before rotation); nil when it fits.
    public func cropProblem(width: Int, height: Int) -> String? {
        guard let crop else { return nil }
        let size = rotatedSize(width: width, height: height)
        guard crop.x + crop.width <= size.width, crop.y + crop.height <= size.height else {
            return "the crop \(crop.width)x\(crop.height)+\(crop.x)+\(crop.y) does not fit the \(size.width)x\(size.height) frame" +
                (rotate == 0 ? "" : " (after rotating \(rotate)°)")
        }
        return nil
    }
}
