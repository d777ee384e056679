import Foundation
import SigndCapture
import SigndTestSupport
import XCTest

final class VideoReaderTests: XCTestCase {
    private var temp: TemporaryDirectory!
    private var tempDir: URL { temp.url }

    override func setUpWithError() throws {
        temp = try TemporaryDirectory(prefix: "signd-capture")
    }

    override func tearDownWithError() throws { temp.remove() }

    /// The bundled signing sample decodes completely: 64 frames of 1280×720, indices contiguous,
    /// source timestamps increasing at ~30 fps.
    func testDecodesBundledSample() throws {
        let path = TestPaths.samples.appendingPathComponent("msl150_hoy_001.mp4").path
        let reader = try VideoReader(.file(path: path))
        XCTAssertEqual(reader.info.width, 1280)
        XCTAssertEqual(reader.info.height, 720)
        XCTAssertEqual(reader.info.fps, 29.98, accuracy: 0.05)
        var frames: [Frame] = []
        while let frame = try reader.next() { frames.append(frame) }
        XCTAssertEqual(frames.count, 64)
        XCTAssertEqual(frames.map(\.stamp.index), Array(0..<64))
        XCTAssertTrue(frames.allSatisfy { $0.image.width == 1280 && $0.image.height == 720 })
        XCTAssertFalse(reader.endedEarly)
        let millis = frames.compactMap(\.stamp.sourceMillis)
        XCTAssertEqual(millis.count, 64)
        XCTAssertEqual(millis[10] - millis[9], 1000 / 29.98, accuracy: 1)
        XCTAssertTrue(zip(frames, frames.dropFirst()).allSatisfy { $0.stamp.captureNanos <= $1.stamp.captureNanos })
        // Real pixels, not a blank buffer.
        let image = frames[32].image
        let sum = (0..<image.width * 3).reduce(0) { $0 + Int(image.pixels[image.rowStride * 360 + $1]) }
        XCTAssertGreaterThan(sum, 1000)
    }

    func testDecodesNonSigningSample() throws {
        let reader = try VideoReader(.file(path: TestPaths.samples.appendingPathComponent("mmaction2_test.avi").path))
        var count = 0
        while try reader.next() != nil { count += 1 }
        XCTAssertEqual(count, 164)
        XCTAssertEqual(reader.info.width, 320)
        XCTAssertEqual(reader.info.height, 240)
    }

    func testMissingFileNamesThePath() {
        XCTAssertThrowsError(try VideoReader(.file(path: "/nonexistent/clip.mp4"))) { error in
            XCTAssertEqual(error as? CaptureError, .fileNotFound(path: "/nonexistent/clip.mp4"))
            XCTAssertTrue("\(error)".contains("/nonexistent/clip.mp4"))
        }
    }

    /// A file that is not a video at all fails to open with a message naming it.
    func testGarbageFileIsRejected() throws {
        let url = tempDir.appendingPathComponent("garbage.mp4")
        try Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: url)
        XCTAssertThrowsError(try VideoReader(.file(path: url.path))) { error in
            guard case CaptureError.cannotOpen(let source, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(source, url.path)
        }
    }

    /// An AVI cut in the middle: the frames before the cut are delivered, then the reader ends and reports
    /// that the file ended before its container's frame count.
    func testTruncatedVideoKeepsDecodedFramesAndReportsTruncation() throws {
        let original = try Data(contentsOf: TestPaths.samples.appendingPathComponent("mmaction2_test.avi"))
        let url = tempDir.appendingPathComponent("truncated.avi")
        try original.prefix(original.count / 2).write(to: url)
        let reader = try VideoReader(.file(path: url.path))
        var count = 0
        while try reader.next() != nil { count += 1 }
        XCTAssertGreaterThan(count, 20)
        XCTAssertLessThan(count, 164)
        XCTAssertTrue(reader.endedEarly)
    }

    /// An MP4 whose index (moov atom) is cut off cannot be opened at all.
    func testTruncatedMp4IsRejected() throws {
        let original = try Data(contentsOf: TestPaths.samples.appendingPathComponent("msl150_hoy_001.mp4"))
        let url = tempDir.appendingPathComponent("cut.mp4")
        try original.prefix(4096).write(to: url)
        XCTAssertThrowsError(try VideoReader(.file(path: url.path))) { error in
            XCTAssertTrue("\(error)".contains("cut.mp4"), "\(error)")
        }
    }

    func testSourceParsing() throws {
        XCTAssertEqual(try SourceSpec(parsing: "0"), .camera(index: 0))
        XCTAssertEqual(try SourceSpec(parsing: "/dev/video2"), .device(path: "/dev/video2"))
        XCTAssertEqual(try SourceSpec(parsing: "rtsp://cam.local:554/stream"), .network(url: "rtsp://cam.local:554/stream"))
        XCTAssertEqual(try SourceSpec(parsing: "clips/a.mp4"), .file(path: "clips/a.mp4"))
        XCTAssertThrowsError(try SourceSpec(parsing: "  "))
        XCTAssertThrowsError(try SourceSpec(parsing: "ftp://x/y"))
        XCTAssertEqual(SourceSpec.network(url: "rtsp://admin:hunter2@10.0.0.1/s").description, "rtsp://admin:***@10.0.0.1/s")
    }

    func testBackoffIsCapped() {
        let policy = ReconnectPolicy(initialDelayMillis: 500, maxDelayMillis: 4000)
        XCTAssertEqual((1...6).map(policy.delayMillis(attempt:)), [500, 1000, 2000, 4000, 4000, 4000])
    }
}
