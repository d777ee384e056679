import XCTest
@testable import SigndLandmarks

final class RectAndLandmarkTests: XCTestCase {
    let square = ImageSize(width: 100, height: 100)

    func testNormalizeRadians() {
        XCTAssertEqual(normalizeRadians(3 * .pi / 2), -.pi / 2, accuracy: 1e-6)
        XCTAssertEqual(normalizeRadians(-3 * .pi / 2), .pi / 2, accuracy: 1e-6)
        XCTAssertEqual(normalizeRadians(0.3), 0.3, accuracy: 1e-7)
    }

    func testAlignmentPointsRect() {
        // Upright: p1 straight above p0 → rotation 0 with target 90°; side 2·25 px.
        let r = RectBuilders.alignmentPointsRect(p0: Point2(x: 0.5, y: 0.5), p1: Point2(x: 0.5, y: 0.25),
                                                 targetAngle: .pi / 2, size: square)
        XCTAssertEqual(r.rotation, 0, accuracy: 1e-6)
        XCTAssertEqual(r.width, 0.5, accuracy: 1e-6)
        XCTAssertEqual(r.xCenter, 0.5)
        // Non-square image: distances in pixels; p1 to the right → rotation +90°.
        let wide = ImageSize(width: 200, height: 100)
        let q = RectBuilders.alignmentPointsRect(p0: Point2(x: 0.5, y: 0.5), p1: Point2(x: 0.75, y: 0.5),
                                                 targetAngle: .pi / 2, size: wide)
        XCTAssertEqual(q.rotation, .pi / 2, accuracy: 1e-6)
        XCTAssertEqual(q.width, 0.5, accuracy: 1e-6)   // 100 px / 200
        XCTAssertEqual(q.height, 1.0, accuracy: 1e-6)  // 100 px / 100
    }

    /// MediaPipe's target angle is `M_PI * 90 / 180.f` (or `M_PI * 0.5f`) rounded to the nearest float, the
    /// same float atan2f returns for a straight-up vector; so upright points give a rotation of exactly 0.
    /// Swift's `Float.pi / 2` is 1 ulp smaller and left −1.2e−7 here, which on a close-up subject (pose ROI
    /// several image heights tall) shifted the crop enough to change later frames.
    func testUprightRotationIsExactlyZeroAsInMediaPipe() {
        XCTAssertEqual(halfPi.bitPattern, 0x3FC9_0FDB)
        XCTAssertEqual(halfPi.nextDown, Float.pi / 2)
        let size = ImageSize(width: 320, height: 240)
        let pose = RectBuilders.alignmentPointsRect(p0: Point2(x: 0.5, y: 0.8), p1: Point2(x: 0.5, y: 0.2),
                                                    targetAngle: halfPi, size: size)
        XCTAssertEqual(pose.rotation.bitPattern, Float(0).bitPattern)
        let hand = RectBuilders.handRectFromPose(wrist: Point2(x: 0.5, y: 0.8), pinky: Point2(x: 0.5, y: 0.3),
                                                 index: Point2(x: 0.5, y: 0.3), size: size)
        XCTAssertEqual(hand.rotation.bitPattern, Float(0).bitPattern)
        XCTAssertEqual(RectBuilders.handLandmarksToRect(uprightHand(), size: size).rotation.bitPattern, Float(0).bitPattern)
    }

    /// LandmarkLetterboxRemoval divides by 1 − (left + right). With 2^−25 padding per side (a real case: a
    /// 187.98788-px hand ROI letterboxed to 256²) that is 1 − 2^−24, while (1 − top) − bottom rounds to 1.
    func testLetterboxRemovalGroupsThePaddingLikeMediaPipe() {
        let pad: Float = 0x1p-25
        let p = LetterboxPadding(left: 0, top: pad, right: 0, bottom: pad)
        var lm = [Landmark(x: 0.25, y: 0.75, z: 0.5)]
        Letterbox.removeFromLandmarks(&lm, padding: p)
        let grouped = (Float(0.75) - pad) / (1 - (pad + pad))
        let ungrouped = (Float(0.75) - pad) / ((1 - pad) - pad)
        XCTAssertNotEqual(grouped, ungrouped, "the case must tell the two groupings apart")
        XCTAssertEqual(lm[0].y.bitPattern, grouped.bitPattern)
        let d = Letterbox.removeFromDetection(
            Detection(xmin: 0.1, ymin: 0.75, width: 0.2, height: 0.2, score: 1, keypoints: [Point2(x: 0.5, y: 0.75)]),
            padding: p)
        XCTAssertEqual(d.ymin.bitPattern, grouped.bitPattern)
        XCTAssertEqual(d.keypoints[0].y.bitPattern, grouped.bitPattern)
    }

    /// DetectionProjectionCalculator applies ImageToTensor's float matrix; the projection must round like
    /// that matrix, term by term (checked against MediaPipe's face detections on mmaction2_test.avi, where
    /// the centre-offset form left every face ROI a few ulps off).
    func testDetectionProjectionUsesMediaPipesMatrix() {
        let size = ImageSize(width: 320, height: 240)
        let roi = PixelRect(NormRect(xCenter: 0.8725672, yCenter: 0.34995943, width: 0.7351153, height: 0.98015374,
                                     rotation: 0.09752562), in: size)
        let a = roi.width, b = roi.height, c = cosf(roi.rotation), d = sinf(roi.rotation)
        let g = 1 / Float(320), h = 1 / Float(240)
        var centreOffsetDiffers = false
        for k in [Point2(x: 0.31, y: 0.42), Point2(x: 0.67, y: 0.45), Point2(x: 0.5, y: 0.66), Point2(x: 0.13, y: 0.9)] {
            let x = k.x * (a * c * g) + k.y * (-b * d * g) + (-0.5 * a * c + 0.5 * b * d + roi.centerX) * g
            let y = k.x * (a * d * h) + k.y * (b * c * h) + (-0.5 * b * c - 0.5 * a * d + roi.centerY) * h
            let p = LandmarkDecoding.projectPoint(k, through: roi, size: size)
            XCTAssertEqual(p.x.bitPattern, x.bitPattern)
            XCTAssertEqual(p.y.bitPattern, y.bitPattern)
            let ox = (k.x - 0.5) * a, oy = (k.y - 0.5) * b
            centreOffsetDiffers = centreOffsetDiffers || (c * ox - d * oy + roi.centerX) / 320 != x
                || (d * ox + c * oy + roi.centerY) / 240 != y
        }
        XCTAssertTrue(centreOffsetDiffers, "the points must tell the two forms apart")
    }

    /// LandmarksToDetectionCalculator starts its maxima at numeric_limits<float>::min(), the smallest positive
    /// float: landmarks all above the image give a box whose bottom edge is ≈ 0, not the lowest landmark.
    func testLandmarksToDetectionKeepsMediaPipesMaxInit() {
        let d = RectBuilders.landmarksToDetection([Landmark(x: 0.4, y: -0.3), Landmark(x: 0.6, y: -0.1)])
        XCTAssertEqual(d.ymin, -0.3)
        XCTAssertEqual(d.height, Float.leastNormalMagnitude - -0.3)
        XCTAssertEqual(d.xmin, 0.4)
        XCTAssertEqual(d.width, 0.6 - 0.4)
        XCTAssertEqual(d.keypoints.count, 2)
    }

    func testRectTransformation() {
        let r = NormRect(xCenter: 0.5, yCenter: 0.5, width: 0.2, height: 0.1)
        let t = RectBuilders.transform(r, size: square, scaleX: 2, scaleY: 2, shiftY: -0.1, squareLong: true)
        XCTAssertEqual(t.yCenter, 0.49, accuracy: 1e-6)
        XCTAssertEqual(t.width, 0.4, accuracy: 1e-6)
        XCTAssertEqual(t.height, 0.4, accuracy: 1e-6)
        // Rotated by 90°: the "up" shift moves along +x.
        let rr = NormRect(xCenter: 0.5, yCenter: 0.5, width: 0.2, height: 0.2, rotation: .pi / 2)
        let tr = RectBuilders.transform(rr, size: square, shiftY: -0.1, squareLong: true)
        XCTAssertEqual(tr.xCenter, 0.52, accuracy: 1e-6)
        XCTAssertEqual(tr.yCenter, 0.5, accuracy: 1e-6)
        // square_long on a wide image keeps the longer side in pixels.
        let wide = ImageSize(width: 200, height: 100)
        let w = RectBuilders.transform(NormRect(xCenter: 0.5, yCenter: 0.5, width: 0.1, height: 0.5), size: wide,
                                       squareLong: true)
        XCTAssertEqual(w.width, 0.25, accuracy: 1e-6)
        XCTAssertEqual(w.height, 0.5, accuracy: 1e-6)
    }

    func testHandRectFromPose() {
        let r = RectBuilders.handRectFromPose(wrist: Point2(x: 0.5, y: 0.5), pinky: Point2(x: 0.44, y: 0.3),
                                              index: Point2(x: 0.53, y: 0.3), size: square)
        // middle = (2·53 + 44)/3 = 50 px, y 30 px; side 2·20 px; pointing up → rotation 0.
        XCTAssertEqual(r.xCenter, 0.5, accuracy: 1e-6)
        XCTAssertEqual(r.yCenter, 0.3, accuracy: 1e-6)
        XCTAssertEqual(r.width, 0.4, accuracy: 1e-6)
        XCTAssertEqual(r.rotation, 0, accuracy: 1e-6)
    }

    /// An upright hand: wrist at the bottom, the MCP joints 5, 9, 13 (subset indices 4, 6, 8) above it.
    private func uprightHand() -> [Landmark] {
        var lm = [Landmark](repeating: Landmark(x: 0.5, y: 0.5), count: 21)
        lm[0] = Landmark(x: 0.5, y: 0.6)
        lm[5] = Landmark(x: 0.5, y: 0.4)
        lm[9] = Landmark(x: 0.5, y: 0.4)
        lm[13] = Landmark(x: 0.5, y: 0.4)
        lm[2] = Landmark(x: 0.45, y: 0.5)
        lm[18] = Landmark(x: 0.55, y: 0.5)
        lm[8] = Landmark(x: 0.9, y: 0.05)   // index tip: not in the palm subset, so it does not count
        return lm
    }

    func testHandLandmarksToRectUpright() {
        let r = RectBuilders.handLandmarksToRect(uprightHand(), size: square)
        XCTAssertEqual(r.rotation, 0, accuracy: 1e-6)
        XCTAssertEqual(r.xCenter, 0.5, accuracy: 1e-6)
        XCTAssertEqual(r.yCenter, 0.5, accuracy: 1e-6)
        XCTAssertEqual(r.width, 0.1, accuracy: 1e-6)
        XCTAssertEqual(r.height, 0.2, accuracy: 1e-6)
    }

    func testHandLandmarksToRectRotationFromPalmSubset() {
        // Moving landmark 5 (subset index 4) tilts the rect.
        var lm = uprightHand()
        lm[5] = Landmark(x: 0.7, y: 0.5)
        let r = RectBuilders.handLandmarksToRect(lm, size: square)
        // target = ((0.7+0.5)/2 + 0.5)/2, ((0.5+0.4)/2 + 0.4)/2 = (0.55, 0.425) → θ = π/2 − atan2(17.5, 5).
        XCTAssertEqual(r.rotation, .pi / 2 - atan2f(17.5, 5), accuracy: 1e-5)
        // Landmark 4 (thumb tip) is outside the subset: moving it changes nothing.
        var lm2 = uprightHand()
        lm2[4] = Landmark(x: 0.9, y: 0.9)
        XCTAssertEqual(RectBuilders.handLandmarksToRect(lm2, size: square), RectBuilders.handLandmarksToRect(uprightHand(), size: square))
        // Without subsetting (the older calculator) index 4 is the thumb tip and does tilt the rect.
        XCTAssertNotEqual(RectBuilders.handLandmarksToRect(lm2, size: square, subsetting: false).rotation, 0)
    }

    func testDecodeLandmarks() {
        let pose = LandmarkDecoding.decode([128, 64, 25.6, 0, 2], count: 1, inputWidth: 256, inputHeight: 256)
        XCTAssertEqual(pose[0].x, 0.5)
        XCTAssertEqual(pose[0].y, 0.25)
        XCTAssertEqual(pose[0].z, 0.1, accuracy: 1e-7)
        XCTAssertEqual(pose[0].visibility, 0.5)
        XCTAssertEqual(pose[0].presence, 1 / (1 + expf(-2)), accuracy: 1e-7)
        let hand = LandmarkDecoding.decode([112, 56, 22.4], count: 1, inputWidth: 224, inputHeight: 224, normalizeZ: 0.4)
        XCTAssertEqual(hand[0].z, 0.25, accuracy: 1e-7)
        let two = LandmarkDecoding.decode([128, 64, 32, 16], count: 2, inputWidth: 256, inputHeight: 256)
        XCTAssertEqual(two[1].x, 0.125)
        XCTAssertEqual(two[1].z, 0)
    }

    func testProjection() {
        var lm = [Landmark(x: 1, y: 0.5, z: 0.5)]
        LandmarkDecoding.project(&lm, onto: NormRect(xCenter: 0.5, yCenter: 0.5, width: 0.2, height: 0.2, rotation: .pi / 2))
        XCTAssertEqual(lm[0].x, 0.5, accuracy: 1e-6)
        XCTAssertEqual(lm[0].y, 0.6, accuracy: 1e-6)
        XCTAssertEqual(lm[0].z, 0.1, accuracy: 1e-7)
        let p = LandmarkDecoding.projectPoint(Point2(x: 1, y: 0.5),
                                              through: PixelRect(NormRect(xCenter: 0.5, yCenter: 0.5, width: 0.2, height: 0.2, rotation: .pi / 2),
                                                                 in: square), size: square)
        XCTAssertEqual(p.x, 0.5, accuracy: 1e-6)
        XCTAssertEqual(p.y, 0.6, accuracy: 1e-6)
    }

    func testHeatmapRefinement() {
        let h = 64, w = 64
        var heat = [Float](repeating: -100, count: h * w)
        for r in 9...11 { for c in 19...21 { heat[r * w + c] = 10 } }
        for c in 19...21 { heat[62 * w + c] = 10 }  // a blob on row 62
        var lm = [Landmark(x: 22.9 / 64, y: 10.5 / 64), Landmark(x: 40.5 / 64, y: 40.5 / 64),
                  Landmark(x: 20.5 / 64, y: 65.5 / 64), Landmark(x: -0.2, y: 0.1)]
        let before = lm
        // Channel 0 of a 1-channel heatmap for each landmark: use 4 copies interleaved.
        var hwc = [Float](repeating: -100, count: h * w * 4)
        for i in 0..<(h * w) { for ch in 0..<4 { hwc[i * 4 + ch] = heat[i] } }
        LandmarkDecoding.refineFromHeatmap(&lm, heatmap: hwc, height: h, width: w, channels: 4)
        XCTAssertEqual(lm[0].x, 20 / 64, accuracy: 1e-6)
        XCTAssertEqual(lm[0].y, 10 / 64, accuracy: 1e-6)
        XCTAssertEqual(lm[1], before[1], "no confident heat → unchanged")
        // Row 65 is below the heatmap but MediaPipe checks the column against the height: a partial window
        // (rows 61–63) is still used.
        XCTAssertEqual(lm[2].y, 62 / 64, accuracy: 1e-6)
        XCTAssertEqual(lm[2].x, 20 / 64, accuracy: 1e-6)
        // x = −0.2·64 = −12.8 → column −12 < 0 → unchanged.
        XCTAssertEqual(lm[3], before[3])
    }
}
