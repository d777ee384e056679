import Foundation
import SigndCapture
import SigndCore
import SigndTestSupport
import XCTest
@testable import SigndLandmarks

/// PipelinedHolistic against HolisticTracker.process on real decoded frames and real models: the two must
/// agree on every float of every frame (NaN positions included), and the pipeline must order, fail and
/// shut down cleanly.
final class PipelinedHolisticTests: XCTestCase {
    private func decode(_ video: String, limit: Int? = nil) throws -> [BGRImage] {
        let reader = try VideoReader(.file(path: TestPaths.samples.appendingPathComponent(video).path))
        var images: [BGRImage] = []
        while let frame = try reader.next() {
            images.append(frame.image)
            if let limit, images.count >= limit { break }
        }
        return images
    }

    private static func timestamp(_ i: Int) -> Int64 { Int64(i + 1) * 33_333 }

    private func sequential(_ images: [BGRImage], options: HolisticOptions)
        throws -> [(HolisticLandmarks, HolisticFrameInfo)] {
        let tracker = try HolisticTracker(modelsDirectory: TestPaths.models, options: options)
        return try images.enumerated().map { i, image in
            let lm = try tracker.process(image: image, timestampMicros: Self.timestamp(i))
            return (lm, tracker.lastFrameInfo)
        }
    }

    private func pipelined(_ images: [BGRImage], options: HolisticOptions, inFlight: Int)
        throws -> [PipelinedHolistic.Output] {
        let pipeline = try PipelinedHolistic(modelsDirectory: TestPaths.models, options: options,
                                             maxFramesInFlight: inFlight)
        var out: [PipelinedHolistic.Output] = []
        for (i, image) in images.enumerated() {
            out += try pipeline.submit(image, index: i, timestampMicros: Self.timestamp(i))
            XCTAssertLessThanOrEqual(i + 1 - out.count, inFlight, "frames in flight after submitting frame \(i)")
        }
        out += try pipeline.finish()
        return out
    }

    /// Runs both paths and compares landmarks bit for bit, plus the ROIs each stage chose.
    private func assertIdentical(_ images: [BGRImage], options: HolisticOptions, inFlight: Int = 3,
                                 expectFace: Bool = false,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try sequential(images, options: options)
        let got = try pipelined(images, options: options, inFlight: inFlight)
        XCTAssertEqual(got.map(\.index), Array(images.indices), "frames come out in order", file: file, line: line)
        XCTAssertEqual(got.count, expected.count, file: file, line: line)
        var mismatches: [Int] = []
        for (i, (output, (landmarks, info))) in zip(got, expected).enumerated() {
            XCTAssertTrue(output.image === images[i], "frame \(i) comes back with its own image", file: file, line: line)
            if options.face { XCTAssertEqual(output.landmarks.face?.count, 468 * 3, file: file, line: line) }
            let sameRois = output.info.poseRoi == info.poseRoi && output.info.leftHandRoi == info.leftHandRoi
                && output.info.rightHandRoi == info.rightHandRoi && output.info.faceRoi == info.faceRoi
                && output.info.ranPoseDetector == info.ranPoseDetector
                && output.info.handTrackedFromPrevious == info.handTrackedFromPrevious
            if !output.landmarks.bitwiseEqual(landmarks) || !sameRois { mismatches.append(i) }
        }
        XCTAssertEqual(mismatches, [], "frames whose landmarks or ROIs differ", file: file, line: line)
        // The comparison means something only if the parts were found somewhere.
        let all = expected.map(\.0)
        XCTAssertTrue(all.contains { $0.hasPose } && all.contains { $0.hasLeftHand || $0.hasRightHand },
                      file: file, line: line)
        if expectFace { XCTAssertTrue(all.contains { $0.hasFace }, "a face is found", file: file, line: line) }
    }

    func testPipelineMatchesSequentialOnMMAction2WithFace() throws {
        let images = try decode("mmaction2_test.avi")
        XCTAssertEqual(images.count, 164)
        try assertIdentical(images, options: HolisticOptions(face: true), expectFace: true)
    }

    func testPipelineMatchesSequentialOnMSL150WithFace() throws {
        let images = try decode("msl150_hoy_001.mp4")
        XCTAssertEqual(images.count, 64)
        try assertIdentical(images, options: HolisticOptions(face: true))
    }

    /// Face off, hands one after the other, the shallowest pipeline.
    func testPipelineMatchesSequentialWithoutFaceDepthTwo() throws {
        let images = try decode("msl150_hoy_001.mp4", limit: 30)
        try assertIdentical(images, options: HolisticOptions(face: false, concurrentHands: false), inFlight: 2)
    }

    /// A size change in the middle: each half restarts its own tracking at the frame where the size
    /// changes, exactly as the sequential tracker does (the pose half runs a frame ahead of the other).
    func testPipelineMatchesSequentialAcrossFrameSizeChanges() throws {
        let big = try decode("msl150_hoy_001.mp4", limit: 12)
        let small = try decode("mmaction2_test.avi", limit: 6)
        let images = Array(big[0..<6]) + small + Array(big[6..<12])
        try assertIdentical(images, options: HolisticOptions(face: true), expectFace: true)
    }

    func testFailingFrameIsReportedWithItsIndexAndClosesThePipeline() throws {
        var images = try decode("msl150_hoy_001.mp4", limit: 6)
        // Wider than HolisticTracker.maxFrameSide: stage 1 rejects it.
        images[3] = try XCTUnwrap(BGRImage.filled(width: HolisticTracker.maxFrameSide + 1, height: 2))
        let pipeline = try PipelinedHolistic(modelsDirectory: TestPaths.models, maxFramesInFlight: 2)
        var delivered: [Int] = []
        var failure: Error?
        do {
            for (i, image) in images.enumerated() {
                delivered += try pipeline.submit(image, index: i, timestampMicros: Self.timestamp(i)).map(\.index)
            }
            delivered += try pipeline.finish().map(\.index)
        } catch {
            failure = error
        }
        guard case let .frame(index, reason)? = failure as? PipelinedHolisticError else {
            return XCTFail("expected a frame error, got \(String(describing: failure))")
        }
        XCTAssertEqual(index, 3)
        XCTAssertTrue(String(describing: reason).contains("exceeds"), "\(reason)")
        XCTAssertTrue(String(describing: failure!).hasPrefix("frame 3: invalid frame"), "\(failure!)")
        XCTAssertEqual(delivered, Array(0..<delivered.count), "frames before the failure, in order")
        XCTAssertLessThanOrEqual(delivered.count, 3)
        XCTAssertThrowsError(try pipeline.submit(images[0], index: 9, timestampMicros: 1_000_000)) { error in
            guard case .closed? = error as? PipelinedHolisticError else { return XCTFail("\(error)") }
        }
    }

    /// The daemon's way (`continuesAfterFailure`, `enqueue`, `results`): a failed frame is one failure
    /// result and the frames after it go on, identical to `HolisticTracker.process` skipping that frame (it
    /// rejects an invalid frame before touching any state); every frame reports done once.
    func testContinuingPipelineReportsAFailedFrameAndGoesOn() throws {
        var images = try decode("msl150_hoy_001.mp4", limit: 10)
        images[3] = try XCTUnwrap(BGRImage.filled(width: HolisticTracker.maxFrameSide + 1, height: 2))
        let done = Recorder<Bool>()
        let pipeline = try PipelinedHolistic(modelsDirectory: TestPaths.models, maxFramesInFlight: 2,
                                             continuesAfterFailure: true, onFrameDone: { done.append(true) })
        var results: [Result<PipelinedHolistic.Output, PipelinedHolisticError>] = []
        for (i, image) in images.enumerated() {
            try pipeline.enqueue(image, index: i, timestampMicros: Self.timestamp(i))
            results += pipeline.results(leavingInFlight: 1)
            XCTAssertGreaterThanOrEqual(results.count, i, "all but the newest frame are done after results(leavingInFlight: 1)")
        }
        results += pipeline.results(leavingInFlight: 0)
        // Called right after each result is stored, so the last call may come just after results returned.
        XCTAssertTrue(done.wait(timeout: 30) { $0.count == images.count }, "onFrameDone once per frame: \(done.values.count)")
        XCTAssertEqual(results.count, images.count)
        let tracker = try HolisticTracker(modelsDirectory: TestPaths.models)
        for (i, result) in results.enumerated() {
            switch result {
            case .success(let output):
                XCTAssertNotEqual(i, 3)
                XCTAssertEqual(output.index, i)
                let expected = try tracker.process(image: images[i], timestampMicros: Self.timestamp(i))
                XCTAssertTrue(output.landmarks.bitwiseEqual(expected), "frame \(i) as the sequential tracker gives it")
            case .failure(let error):
                XCTAssertEqual(i, 3, "\(error)")
                guard case .frame(3, let reason) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(String(describing: reason).contains("exceeds"), "\(reason)")
                XCTAssertThrowsError(try tracker.process(image: images[i], timestampMicros: Self.timestamp(i)))
            }
        }
        XCTAssertTrue(try results[9].get().landmarks.hasPose, "the frames after the failure were tracked")
    }

    /// `reset` waits for the frames in flight (their results stay), then tracking starts over: the next
    /// frames match a fresh tracker's.
    func testResetKeepsTheResultsAndStartsTrackingOver() throws {
        let images = try decode("msl150_hoy_001.mp4", limit: 8)
        let pipeline = try PipelinedHolistic(modelsDirectory: TestPaths.models, maxFramesInFlight: 2,
                                             continuesAfterFailure: true)
        for i in 0..<4 { try pipeline.enqueue(images[i], index: i, timestampMicros: Self.timestamp(i)) }
        pipeline.reset()
        let before = pipeline.results(leavingInFlight: .max)
        XCTAssertEqual(before.map { try? $0.get().index }, [0, 1, 2, 3], "reset waited for them and kept them")
        for i in 4..<8 { try pipeline.enqueue(images[i], index: i, timestampMicros: Self.timestamp(i)) }
        let after = pipeline.results(leavingInFlight: 0).map { try? $0.get() }
        let fresh = try HolisticTracker(modelsDirectory: TestPaths.models)
        for (k, output) in after.enumerated() {
            let i = 4 + k
            let expected = try fresh.process(image: images[i], timestampMicros: Self.timestamp(i))
            XCTAssertEqual(output?.index, i)
            XCTAssertTrue(output?.landmarks.bitwiseEqual(expected) ?? false, "frame \(i) as a fresh tracker gives it")
        }
        // Not a trivial comparison: without the reset, the first frame after it tracks from frame 3.
        let continued = try HolisticTracker(modelsDirectory: TestPaths.models)
        var last = HolisticLandmarks.empty(faceJoints: nil)
        for i in 0..<5 { last = try continued.process(image: images[i], timestampMicros: Self.timestamp(i)) }
        XCTAssertFalse(last.bitwiseEqual(try XCTUnwrap(after.first ?? nil).landmarks), "reset changed the result")
    }

    /// Images are released once their frames are done, whether delivered or dropped by `close`.
    func testFramesAreReleasedAfterFinishAndAfterClose() throws {
        weak var delivered: BGRImage?
        weak var dropped: BGRImage?
        do {
            let images = try decode("msl150_hoy_001.mp4", limit: 8)
            delivered = images[0]
            dropped = images[7]
            var outputs: [PipelinedHolistic.Output] = []
            let pipeline = try PipelinedHolistic(modelsDirectory: TestPaths.models, maxFramesInFlight: 3)
            for i in 0..<4 { outputs += try pipeline.submit(images[i], index: i, timestampMicros: Self.timestamp(i)) }
            outputs += try pipeline.finish()
            XCTAssertEqual(outputs.map(\.index), [0, 1, 2, 3])
            XCTAssertThrowsError(try pipeline.finish(), "finish closes the pipeline")

            let second = try PipelinedHolistic(modelsDirectory: TestPaths.models, maxFramesInFlight: 3)
            for i in 4..<8 { _ = try second.submit(images[i], index: i, timestampMicros: Self.timestamp(i)) }
            second.close()
            XCTAssertThrowsError(try second.submit(images[0], index: 0, timestampMicros: 1))
        }
        XCTAssertNil(delivered, "a delivered frame's image is not retained by the pipeline")
        XCTAssertNil(dropped, "a frame dropped by close is released")
    }

    /// Dropping a pipeline with frames still in it waits for them (deinit closes) instead of leaving work
    /// running against freed models.
    func testDeinitWithFramesInFlight() throws {
        let images = try decode("msl150_hoy_001.mp4", limit: 3)
        weak var weakPipeline: PipelinedHolistic?
        do {
            let pipeline = try PipelinedHolistic(modelsDirectory: TestPaths.models, maxFramesInFlight: 3)
            weakPipeline = pipeline
            for (i, image) in images.enumerated() {
                _ = try pipeline.submit(image, index: i, timestampMicros: Self.timestamp(i))
            }
        }
        XCTAssertNil(weakPipeline)
    }
}
