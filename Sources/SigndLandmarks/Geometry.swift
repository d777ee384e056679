import Foundation

/// Width and height of the image a frame's landmarks refer to, in pixels.
public struct ImageSize: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
    var w: Float { Float(width) }
    var h: Float { Float(height) }
}

/// MediaPipe's NormalizedRect: centre and size normalized to the image, rotation in radians
/// (clockwise on screen, i.e. in image coordinates with y pointing down).
public struct NormRect: Sendable, Hashable {
    public var xCenter: Float
    public var yCenter: Float
    public var width: Float
    public var height: Float
    public var rotation: Float

    public init(xCenter: Float, yCenter: Float, width: Float, height: Float, rotation: Float = 0) {
        self.xCenter = xCenter
        self.yCenter = yCenter
        self.width = width
        self.height = height
        self.rotation = rotation
    }
}

/// A normalized landmark: x, y in [0,1] of the image (or of a crop), z scaled like x.
/// `visibility` and `presence` are only meaningful for pose landmarks.
public struct Landmark: Sendable, Hashable {
    public var x: Float
    public var y: Float
    public var z: Float
    public var visibility: Float
    public var presence: Float

    public init(x: Float, y: Float, z: Float = 0, visibility: Float = 0, presence: Float = 0) {
        self.x = x
        self.y = y
        self.z = z
        self.visibility = visibility
        self.presence = presence
    }
}

/// A 2-D point (normalized coordinates unless stated otherwise).
public struct Point2: Sendable, Hashable {
    public var x: Float
    public var y: Float
    public init(x: Float, y: Float) {
        self.x = x
        self.y = y
    }
}

/// π/2 as MediaPipe's calculators hold it: `M_PI * 0.5f` or `M_PI * 90 / 180.f` (a double) rounded to the
/// nearest float. Swift's `Float.pi` is rounded toward zero, so `Float.pi / 2` is 1 ulp smaller, which moves
/// every ROI rotation (and, through the huge pose ROI of a close-up subject, the landmarks) off MediaPipe's.
let halfPi = Float(Double.pi / 2)

/// Maps an angle to [−π, π) exactly as MediaPipe's NormalizeRadians (computed in double, as C++ promotes it).
@inline(__always)
func normalizeRadians(_ angle: Float) -> Float {
    let a = Double(angle)
    return Float(a - 2 * Double.pi * (((a - (-Double.pi)) / (2 * Double.pi)).rounded(.down)))
}

@inline(__always)
func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
