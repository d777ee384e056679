import SigndCapture
import SigndTestSupport
import XCTest
@testable import SigndLandmarks

final class ImageOpsTests: XCTestCase {
    /// A 4×2 BGR image whose pixel (x, y) has B = 10x+y, G = 100, R = 200 + x.
    private func smallImage() -> BGRImage {
        var px = [UInt8]()
        for y in 0..<2 { for x in 0..<4 { px += [UInt8(10 * x + y), 100, UInt8(200 + x)] } }
        return px.withUnsafeBufferPointer { BGRImage(bgr: $0, width: 4, height: 2)! }
    }

    private func withView<R>(_ image: BGRImage, _ body: (BGRFrameView) throws -> R) rethrows -> R {
        try withExtendedLifetime(image) { try body(BGRFrameView(image)) }
    }

    /// The live view scales a decoded frame straight from its rows; it must equal copying it and then scaling
    /// the copy (the previous path), pixel for pixel.
    func testScalingADecodedFrameEqualsCopyingThenResizing() throws {
        let reader = try VideoReader(.file(path: TestPaths.samples.appendingPathComponent("msl150_hoy_001.mp4").path))
        defer { reader.close() }
        let frame = try XCTUnwrap(try reader.next())
        let (w, h) = (320, max(1, frame.image.height * 320 / frame.image.width))
        let direct = try OverlayCanvas(scaling: frame.image, width: w, height: h)
        let viaCopy = try OverlayCanvas(copying: frame.image).resized(width: w, height: h)
        XCTAssertEqual(direct.width, w)
        XCTAssertEqual(direct.height, h)
        XCTAssertEqual(direct.pixels, viaCopy.pixels)
        XCTAssertGreaterThan(Set(direct.pixels).count, 50, "a real picture, not a blank canvas")
    }

    func testWholeImageCropIsIdentityWithRGBOrderAndRange() throws {
        let img = smallImage()
        var out: [Float] = []
        try withView(img) { v in
            try ImageOps.cropToTensor(v, roi: PixelRect(nil, in: v.size), width: 4, height: 2, zeroBorder: false,
                                      range: .unit, into: &out)
        }
        XCTAssertEqual(out.count, 24)
        for y in 0..<2 {
            for x in 0..<4 {
                let o = (y * 4 + x) * 3
                XCTAssertEqual(out[o], Float(200 + x) / 255, accuracy: 1e-6, "R at \(x),\(y)")
                XCTAssertEqual(out[o + 1], 100 / 255, accuracy: 1e-6)
                XCTAssertEqual(out[o + 2], Float(10 * x + y) / 255, accuracy: 1e-6, "B at \(x),\(y)")
            }
        }
    }

    func testBorderModesAndSignedRange() throws {
        let img = smallImage()
        // ROI twice as wide as the image, same centre: tensor columns 0–1 and 6–7 fall outside.
        let roi = PixelRect(NormRect(xCenter: 0.5, yCenter: 0.5, width: 2, height: 1), in: ImageSize(width: 4, height: 2))
        var zero: [Float] = [], replicate: [Float] = []
        try withView(img) { v in
            try ImageOps.cropToTensor(v, roi: roi, width: 8, height: 2, zeroBorder: true, range: .signed, into: &zero)
            try ImageOps.cropToTensor(v, roi: roi, width: 8, height: 2, zeroBorder: false, range: .signed, into: &replicate)
        }
        XCTAssertEqual(zero[0], -1, accuracy: 1e-6, "zero border maps to the range minimum")
        XCTAssertEqual(replicate[0], 200 / 127.5 - 1, accuracy: 1e-6, "replicate copies the edge pixel")
        XCTAssertEqual(zero[4 * 3], replicate[4 * 3], "inside the image both agree")
    }

    /// MediaPipe converts with Mat::convertTo, whose AVX2 path is a fused multiply-add: v·(2/255) − 1 rounded
    /// once. Every byte value must convert exactly so; rounding the product first differs for some of them
    /// (which moved the pose detector's keypoints, hence the pose ROI, by a few ulps).
    func testSignedRangeRoundsOnceLikeMediaPipe() throws {
        // A 256×1 image holding every byte value in each channel.
        var px = [UInt8]()
        for x in 0..<256 { px += [UInt8(x), UInt8(x), UInt8(x)] }
        let img = px.withUnsafeBufferPointer { BGRImage(bgr: $0, width: 256, height: 1)! }
        var out: [Float] = []
        try withView(img) { v in
            try ImageOps.cropToTensor(v, roi: PixelRect(nil, in: v.size), width: 256, height: 1, zeroBorder: true,
                                      range: .signed, into: &out)
        }
        let scale: Float = 2 / 255
        var twiceRoundedDiffers = 0
        for x in 0..<256 {
            let once = Float(Double(x) * Double(scale) - 1)
            XCTAssertEqual(out[x * 3].bitPattern, once.bitPattern, "value \(x)")
            if Float(x) * scale - 1 != once { twiceRoundedDiffers += 1 }
        }
        XCTAssertGreaterThan(twiceRoundedDiffers, 0, "the check must tell one rounding from two")
    }

    func testCropRejectsDegenerateRoi() {
        let img = smallImage()
        var out: [Float] = []
        XCTAssertThrowsError(try withView(img) { v in
            try ImageOps.cropToTensor(v, roi: PixelRect(NormRect(xCenter: 0.5, yCenter: 0.5, width: 0, height: 1), in: v.size),
                                      width: 8, height: 8, zeroBorder: true, range: .unit, into: &out)
        }) { error in
            XCTAssertTrue(String(describing: error).contains("ROI"), "\(error)")
        }
    }
}
