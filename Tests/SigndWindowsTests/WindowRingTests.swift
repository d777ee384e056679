import SigndCore
import SigndWindows
import XCTest

final class WindowRingTests: XCTestCase {
    private func frame(_ i: Int) -> HolisticLandmarks {
        var lm = HolisticLandmarks.empty()
        for j in 0..<33 { lm.pose[j * 4] = Float(i); lm.pose[j * 4 + 1] = Float(j); lm.pose[j * 4 + 2] = -1; lm.pose[j * 4 + 3] = 0.5 }
        if i.isMultiple(of: 2) { for k in 0..<63 { lm.rightHand[k] = Float(i) + 0.5 } }
        return lm
    }

    private func stamp(_ i: Int) -> FrameStamp { FrameStamp(index: i, captureNanos: UInt64(i), sourceMillis: nil) }

    /// What the heads read besides whole windows: the newest row in place (the streaming engine's input),
    /// the stamps of the frames held (the span check before a push) and a window's span in source frames.
    func testNewestRowStampsBackAndSpan() throws {
        let layout = try FeatureLayout(joints: .poseAndHands, channels: 2)
        let ring = try WindowRing(layout: layout, length: 5, stride: 1)
        XCTAssertNil(ring.stamp(back: 0))
        var last: WindowRing.Window?
        for (n, i) in [0, 1, 2, 5, 6, 7, 8].enumerated() {   // frames 3 and 4 were dropped by the source
            last = ring.push(stamp: stamp(i), landmarks: frame(i))
            ring.withNewestFeatures { row in
                XCTAssertEqual(row.count, 150)
                XCTAssertEqual(row[0], Float(i), "the newest row is frame \(i)")
            }
            XCTAssertEqual(ring.stamp(back: 0)?.index, i)
            XCTAssertEqual(ring.count, min(n + 1, 5))
        }
        XCTAssertEqual(ring.stamp(back: 4)?.index, 2)
        XCTAssertNil(ring.stamp(back: 5), "only `length` frames are held")
        let window = try XCTUnwrap(last)
        XCTAssertEqual(window.stamps.map(\.index), [2, 5, 6, 7, 8])
        XCTAssertEqual(window.spanFrames, 7, "frames 2…8: five held, two dropped between them")
        ring.reset()
        XCTAssertNil(ring.stamp(back: 0))
    }

    func testWindowsEveryFrameAfterFillingAndContiguousContent() throws {
        let layout = try FeatureLayout(joints: .poseAndHands, channels: 2)
        XCTAssertEqual(layout.valuesPerFrame, 150)
        let ring = try WindowRing(layout: layout, length: 25, stride: 1)
        var windows = 0
        for i in 0..<60 {
            guard let window = ring.push(stamp: stamp(i), landmarks: frame(i)) else {
                XCTAssertLessThan(i, 24, "a window is due once 25 frames are in")
                continue
            }
            windows += 1
            XCTAssertEqual(window.stamps.map(\.index), Array((i - 24)...i))
            XCTAssertEqual(window.last.index, i)
            XCTAssertEqual(window.center.index, i - 12)
            window.withFeatures { features in
                XCTAssertEqual(features.count, 25 * 75 * 2)
                for t in 0..<25 {
                    let f = i - 24 + t
                    let row = t * 150
                    XCTAssertEqual(features[row], Float(f))              // pose 0 x = frame index
                    XCTAssertEqual(features[row + 2 * 5 + 1], 5)          // pose 5 y = joint index
                    let rightHandX = features[row + 2 * 54]               // right hand starts at joint 54
                    if f.isMultiple(of: 2) { XCTAssertEqual(rightHandX, Float(f) + 0.5) } else { XCTAssertTrue(rightHandX.isNaN) }
                    XCTAssertTrue(features[row + 2 * 33].isNaN)           // left hand never detected
                }
            }
        }
        XCTAssertEqual(windows, 36)
    }

    func testStrideAndReset() throws {
        let ring = try WindowRing(layout: FeatureLayout(joints: .poseAndHands, channels: 3), length: 5, stride: 3)
        let due = (0..<14).compactMap { ring.push(stamp: stamp($0), landmarks: frame($0))?.last.index }
        XCTAssertEqual(due, [4, 7, 10, 13])
        ring.reset()
        XCTAssertEqual(ring.count, 0)
        let afterReset = (100..<106).compactMap { ring.push(stamp: stamp($0), landmarks: frame($0))?.stamps.map(\.index) }
        XCTAssertEqual(afterReset, [Array(100...104)], "no window straddles the reset")
    }

    /// A window is a view of the ring until the next push or reset; `isValid` says so, and every accessor
    /// (stamps, landmarks, first/last/center, features) checks it.
    func testWindowIsValidUntilTheRingMovesOn() throws {
        let ring = try WindowRing(layout: FeatureLayout(joints: .poseAndHands, channels: 2), length: 3, stride: 1)
        _ = ring.push(stamp: stamp(0), landmarks: frame(0))
        _ = ring.push(stamp: stamp(1), landmarks: frame(1))
        let window = try XCTUnwrap(ring.push(stamp: stamp(2), landmarks: frame(2)))
        XCTAssertTrue(window.isValid)
        XCTAssertEqual([window.first.index, window.center.index, window.last.index], [0, 1, 2])
        let next = try XCTUnwrap(ring.push(stamp: stamp(3), landmarks: frame(3)))
        XCTAssertFalse(window.isValid, "the ring moved on")
        XCTAssertTrue(next.isValid)
        ring.reset()
        XCTAssertFalse(next.isValid, "reset invalidates too")
    }

    func testInvalidConfigurations() throws {
        XCTAssertThrowsError(try FeatureLayout(joints: .poseAndHands, channels: 4))
        XCTAssertThrowsError(try FeatureLayout(joints: JointLayout(entries: [.init(part: .face, joints: 478)]), channels: 2)) {
            XCTAssertTrue("\($0)".contains("face"))
        }
        XCTAssertThrowsError(try WindowRing(layout: FeatureLayout(joints: .poseAndHands, channels: 2), length: 0))
    }
}
