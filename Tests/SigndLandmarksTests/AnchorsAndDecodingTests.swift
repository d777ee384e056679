import XCTest
@testable import SigndLandmarks

final class AnchorsAndDecodingTests: XCTestCase {
    func testPoseAnchorsCountAndCentres() {
        let a = SsdAnchors.generate(.pose)
        XCTAssertEqual(a.count, 2254)
        // Stride 8: 28×28 cells, 2 anchors each.
        XCTAssertEqual(a[0].xCenter, 0.5 / 28, accuracy: 1e-7)
        XCTAssertEqual(a[1].xCenter, 0.5 / 28, accuracy: 1e-7)
        XCTAssertEqual(a[2].xCenter, 1.5 / 28, accuracy: 1e-7)
        XCTAssertEqual(a[2].yCenter, 0.5 / 28, accuracy: 1e-7)
        XCTAssertEqual(a[56].yCenter, 1.5 / 28, accuracy: 1e-7)
        // Stride 16 grid starts at 1568.
        XCTAssertEqual(a[1568].xCenter, 0.5 / 14, accuracy: 1e-7)
        XCTAssertEqual(a[1570].xCenter, 1.5 / 14, accuracy: 1e-7)
        // Three stride-32 layers merge into one 7×7 grid with 6 anchors per cell.
        XCTAssertEqual(a[1960].xCenter, 0.5 / 7, accuracy: 1e-7)
        XCTAssertEqual(a[1965].xCenter, 0.5 / 7, accuracy: 1e-7)
        XCTAssertEqual(a[1966].xCenter, 1.5 / 7, accuracy: 1e-7)
        XCTAssertEqual(a[2253].xCenter, 6.5 / 7, accuracy: 1e-7)
        XCTAssertEqual(a[2253].yCenter, 6.5 / 7, accuracy: 1e-7)
        XCTAssertTrue(a.allSatisfy { $0.width == 1 && $0.height == 1 })
    }

    func testFaceAnchors() {
        let a = SsdAnchors.generate(.faceShortRange)
        XCTAssertEqual(a.count, 896)
        XCTAssertEqual(a[511].xCenter, 15.5 / 16, accuracy: 1e-7)
        XCTAssertEqual(a[512].xCenter, 0.5 / 8, accuracy: 1e-7)
        XCTAssertEqual(a[517].xCenter, 0.5 / 8, accuracy: 1e-7)
        XCTAssertEqual(a[518].xCenter, 1.5 / 8, accuracy: 1e-7)
    }

    func testDecodeBoxKeypointsAndScoreGate() throws {
        let d = DetectionDecoder.pose
        var boxes = [Float](repeating: 0, count: 2254 * 12)
        var scores = [Float](repeating: -10, count: 2254)
        // Anchor 0 at (1/56, 1/56): box centre offset (22.4, −11.2) px of 224, size 44.8×22.4, keypoint 0 at +(2.24, 4.48).
        boxes.replaceSubrange(0..<6, with: [22.4, -11.2, 44.8, 22.4, 2.24, 4.48])
        scores[0] = 0  // sigmoid(0) = 0.5, kept (≥ 0.5)
        // Anchor 5: huge logit is clamped to 100.
        scores[5] = 1e6
        // Anchor 7: negative width is dropped even with a good score.
        scores[7] = 5
        boxes[7 * 12 + 2] = -10
        let out = try d.decode(boxes: boxes, scores: scores)
        XCTAssertEqual(out.count, 2)
        let first = out[0]
        let a0: Float = 0.5 / 28
        XCTAssertEqual(first.score, 0.5, accuracy: 1e-7)
        XCTAssertEqual(first.xmin, 0.1 + a0 - 0.1, accuracy: 1e-6)
        XCTAssertEqual(first.ymin, -0.05 + a0 - 0.05, accuracy: 1e-6)
        XCTAssertEqual(first.width, 0.2, accuracy: 1e-6)
        XCTAssertEqual(first.height, 0.1, accuracy: 1e-6)
        XCTAssertEqual(first.keypoints.count, 4)
        XCTAssertEqual(first.keypoints[0].x, 0.01 + a0, accuracy: 1e-6)
        XCTAssertEqual(first.keypoints[0].y, 0.02 + a0, accuracy: 1e-6)
        XCTAssertEqual(out[1].score, 1, accuracy: 1e-6)
        XCTAssertThrowsError(try d.decode(boxes: [1, 2, 3], scores: scores))
    }

    func testWeightedNMSMergesOverlapsAndKeepsTopScore() {
        let a = Detection(xmin: 0, ymin: 0, width: 1, height: 1, score: 0.9, keypoints: [Point2(x: 0, y: 0)])
        let b = Detection(xmin: 0.1, ymin: 0, width: 1, height: 1, score: 0.6, keypoints: [Point2(x: 1, y: 1)])
        let c = Detection(xmin: 5, ymin: 5, width: 1, height: 1, score: 0.7, keypoints: [Point2(x: 5, y: 5)])
        XCTAssertEqual(WeightedNMS.iou(a, b), 0.9 / 1.1, accuracy: 1e-6)
        let out = WeightedNMS.apply([b, c, a], iouThreshold: 0.3)
        XCTAssertEqual(out.count, 2)
        XCTAssertEqual(out[0].score, 0.9)
        XCTAssertEqual(out[0].xmin, 0.06 / 1.5, accuracy: 1e-6)
        XCTAssertEqual(out[0].width, 1.56 / 1.5 - 0.06 / 1.5, accuracy: 1e-6)
        XCTAssertEqual(out[0].keypoints[0].x, 0.6 / 1.5, accuracy: 1e-6)
        XCTAssertEqual(out[1], c)
    }

    func testLetterboxPaddingAndRemoval() {
        var roi = PixelRect(nil, in: ImageSize(width: 640, height: 360))
        let p = Letterbox.padRoi(&roi, tensorWidth: 224, tensorHeight: 224, keepAspectRatio: true)
        XCTAssertEqual(p.top, 0.21875, accuracy: 1e-7)
        XCTAssertEqual(p.bottom, 0.21875, accuracy: 1e-7)
        XCTAssertEqual(p.left, 0)
        XCTAssertEqual(roi.width, 640)
        XCTAssertEqual(roi.height, 640)
        let d = Detection(xmin: 0.5, ymin: 0.21875, width: 0.25, height: 0.28125, score: 1,
                          keypoints: [Point2(x: 0.5, y: 0.5)])
        let r = Letterbox.removeFromDetection(d, padding: p)
        XCTAssertEqual(r.ymin, 0, accuracy: 1e-6)
        XCTAssertEqual(r.height, 0.5, accuracy: 1e-6)
        XCTAssertEqual(r.xmin, 0.5, accuracy: 1e-6)
        XCTAssertEqual(r.keypoints[0].y, 0.5, accuracy: 1e-6)
        // Square ROI into a square tensor: no padding.
        var square = PixelRect(NormRect(xCenter: 0.5, yCenter: 0.5, width: 0.25, height: 0.25), in: ImageSize(width: 100, height: 100))
        XCTAssertEqual(Letterbox.padRoi(&square, tensorWidth: 256, tensorHeight: 256, keepAspectRatio: true), .zero)
    }
}
