import XCTest
@testable import SigndLandmarks

final class FilterAndTrackingTests: XCTestCase {
    func testLowPass() {
        var f = LowPassFilter(alpha: 0.1)
        XCTAssertEqual(f.apply(1), 1)
        XCTAssertEqual(f.apply(0), 0.9, accuracy: 1e-6)
        XCTAssertEqual(f.apply(0), 0.81, accuracy: 1e-6)
        // Out-of-range alphas are ignored, like MediaPipe's SetAlpha.
        XCTAssertEqual(f.apply(0, alpha: 2), 0.729, accuracy: 1e-6)
        XCTAssertEqual(f.alpha, 0.1)
    }

    /// MediaPipe's LowPassFilter keeps float state and evaluates `alpha_ * value + (1.0 - alpha_) *
    /// stored_value_` with a float product and a double one; the result must be bit-identical to that, not
    /// to the same recurrence in double (which is what signd had, and what drifted from MediaPipe).
    func testLowPassRoundsLikeMediaPipe() {
        let alpha: Float = 0.1
        var f = LowPassFilter(alpha: alpha)
        var cpp: Float = 0, allDouble = 0.0
        var differsFromAllDouble = false
        for (i, v) in [Float(612.37), 610.91, 615.02, 609.4, 611.77, 613.3, 608.05, 612.9].enumerated() {
            cpp = i == 0 ? v : Float(Double(alpha * v) + (1.0 - Double(alpha)) * Double(cpp))
            allDouble = i == 0 ? Double(v) : Double(alpha) * Double(v) + (1 - Double(alpha)) * allDouble
            let out = f.apply(v)
            XCTAssertEqual(out.bitPattern, cpp.bitPattern, "step \(i)")
            differsFromAllDouble = differsFromAllDouble || out != Float(allDouble)
        }
        XCTAssertTrue(differsFromAllDouble, "the sequence should tell the two roundings apart")
    }

    func testOneEuroHandComputed() {
        var f = OneEuroFilter(minCutoff: 1, beta: 0, derivateCutoff: 1)
        XCTAssertEqual(f.apply(timestampMicros: 33333, valueScale: 1, value: 10), 10)
        // f = 1/33333 µs = 30.0003 Hz; alpha = 1/(1 + f/(2π)) = 0.1731695…
        let freq = 1.0 / 0.033333
        let alpha = 1.0 / (1.0 + freq / (2 * Double.pi))
        XCTAssertEqual(f.apply(timestampMicros: 66666, valueScale: 1, value: 20), 10 + 10 * alpha, accuracy: 1e-5)
        // A repeated timestamp returns the raw value.
        XCTAssertEqual(f.apply(timestampMicros: 66666, valueScale: 1, value: 50), 50)
    }

    func testOneEuroBetaRaisesCutoffWithSpeed() {
        var slow = OneEuroFilter(minCutoff: 0.05, beta: 0, derivateCutoff: 1)
        var fast = OneEuroFilter(minCutoff: 0.05, beta: 80, derivateCutoff: 1)
        _ = slow.apply(timestampMicros: 33333, valueScale: 0.01, value: 0)
        _ = fast.apply(timestampMicros: 33333, valueScale: 0.01, value: 0)
        let s = slow.apply(timestampMicros: 66666, valueScale: 0.01, value: 10)
        let q = fast.apply(timestampMicros: 66666, valueScale: 0.01, value: 10)
        // beta = 0: cutoff 0.05 → alpha = 1/(1 + 30.0003/(2π·0.05)).
        XCTAssertEqual(s, 10 / (1 + (1 / 0.033333) / (2 * Double.pi * 0.05)), accuracy: 1e-6)
        // beta 80: the derivative filter was initialised with 0 on the first call, so
        // edvalue = alphaD·(10·0.01·30.0003) with alphaD = 1/(1 + 30.0003/(2π)); cutoff = 0.05 + 80·edvalue.
        let alphaD = 1.0 / (1.0 + (1 / 0.033333) / (2 * Double.pi))
        let cutoff = 0.05 + 80 * alphaD * (10 * 0.01 / 0.033333)
        XCTAssertEqual(q, 10 / (1 + (1 / 0.033333) / (2 * Double.pi * cutoff)), accuracy: 1e-5)
    }

    func testOneEuroFirstTimestampZeroQuirk() {
        var f = OneEuroFilter(minCutoff: 1, beta: 0, derivateCutoff: 1)
        XCTAssertEqual(f.apply(timestampMicros: 0, valueScale: 1, value: 5), 5)
        // 0.10.21 starts from last_time_ = −1, so t = 0 is a first value; since one of the two timestamps
        // is 0, the next call keeps the initial 30 Hz instead of estimating it.
        let alpha = 1.0 / (1.0 + 30 / (2 * Double.pi))
        XCTAssertEqual(f.apply(timestampMicros: 33333, valueScale: 1, value: 7), 5 + 2 * alpha, accuracy: 1e-5)
    }

    func testLandmarksSmootherWorksInPixelsAndResets() {
        var s = LandmarksSmoother(minCutoff: 1, beta: 0, derivateCutoff: 1)
        let size = ImageSize(width: 200, height: 100)
        let a = [Landmark(x: 0.1, y: 0.1, z: 0)]
        let b = [Landmark(x: 0.2, y: 0.1, z: 0)]
        _ = s.apply(a, size: size, objectScale: 50, timestampMicros: 33333)
        let out = s.apply(b, size: size, objectScale: 50, timestampMicros: 66666)
        let alpha = 1.0 / (1.0 + (1 / 0.033333) / (2 * Double.pi))
        XCTAssertEqual(Double(out[0].x), (20 + 20 * alpha) / 200, accuracy: 1e-6)
        s.reset()
        XCTAssertEqual(s.apply(b, size: size, objectScale: 50, timestampMicros: 99999)[0].x, 0.2, accuracy: 1e-7)
    }

    func testRoiTrackingKeepsCloseRects() {
        let size = ImageSize(width: 100, height: 100)
        let recrop = NormRect(xCenter: 0.5, yCenter: 0.5, width: 0.2, height: 0.2)
        let inside = [Landmark(x: 0.5, y: 0.5), Landmark(x: 0.55, y: 0.45)]
        let prev = NormRect(xCenter: 0.53, yCenter: 0.5, width: 0.22, height: 0.2, rotation: 30 * .pi / 180)
        XCTAssertEqual(RoiTracking.hands.choose(recrop: recrop, previousRect: prev, previousLandmarks: inside, size: size), prev)
        // No previous landmarks → recrop.
        XCTAssertEqual(RoiTracking.hands.choose(recrop: recrop, previousRect: nil, previousLandmarks: nil, size: size), recrop)
    }

    func testRoiTrackingThresholds() {
        let size = ImageSize(width: 100, height: 100)
        let recrop = NormRect(xCenter: 0.5, yCenter: 0.5, width: 0.2, height: 0.2)
        let t = RoiTracking.hands
        // Translation: 5 px > 0.2·20 px.
        XCTAssertFalse(t.rectRequirementsSatisfied(previous: NormRect(xCenter: 0.55, yCenter: 0.5, width: 0.2, height: 0.2),
                                                   recrop: recrop, size: size))
        // Rotation 45° > 40°.
        XCTAssertFalse(t.rectRequirementsSatisfied(previous: NormRect(xCenter: 0.5, yCenter: 0.5, width: 0.2, height: 0.2,
                                                                      rotation: .pi / 4), recrop: recrop, size: size))
        // Scale: 9 px > 0.4·20 px.
        XCTAssertFalse(t.rectRequirementsSatisfied(previous: NormRect(xCenter: 0.5, yCenter: 0.5, width: 0.29, height: 0.2),
                                                   recrop: recrop, size: size))
        // Face thresholds are tighter: rotation 20° passes for hands, fails for the face.
        let r20 = NormRect(xCenter: 0.5, yCenter: 0.5, width: 0.2, height: 0.2, rotation: 20 * .pi / 180)
        XCTAssertTrue(t.rectRequirementsSatisfied(previous: r20, recrop: recrop, size: size))
        XCTAssertFalse(RoiTracking.face.rectRequirementsSatisfied(previous: r20, recrop: recrop, size: size))
        // Landmarks: margin −0.1 shrinks the 20 px rect to a half-width of 9 px.
        XCTAssertTrue(t.landmarksInside([Landmark(x: 0.585, y: 0.5)], recrop: recrop, size: size))
        XCTAssertFalse(t.landmarksInside([Landmark(x: 0.595, y: 0.5)], recrop: recrop, size: size))
        // Face margin −0.2: half-width 8 px.
        XCTAssertFalse(RoiTracking.face.landmarksInside([Landmark(x: 0.585, y: 0.5)], recrop: recrop, size: size))
    }
}
