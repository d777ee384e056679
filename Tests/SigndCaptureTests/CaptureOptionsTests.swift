import Foundation
import SigndCapture
import SigndCore
import SigndTestSupport
import XCTest

/// `source.rotate`, `flip`, `crop`, the camera format and the RTSP transport on real sources: the bundled
/// video and a loopback RTSP server. Pixels are compared with the unmodified decode of the same frame.
final class CaptureOptionsTests: XCTestCase {
    private let sample = TestPaths.samples.appendingPathComponent("msl150_hoy_001.mp4").path

    private func firstFrame(_ options: CaptureOptions = .init()) throws -> (SourceInfo, BGRImage) {
        let reader = try VideoReader(.file(path: sample), options: options)
        let frame = try XCTUnwrap(try reader.next())
        return (reader.info, frame.image)
    }

    private func pixel(_ image: BGRImage, _ x: Int, _ y: Int) -> [UInt8] {
        (0..<3).map { image.pixels[y * image.rowStride + x * 3 + $0] }
    }

    func testRotateFlipAndCropMapEveryPixelAsDocumented() throws {
        let (plainInfo, plain) = try firstFrame()
        let (w, h) = (plain.width, plain.height)
        XCTAssertEqual([plainInfo.width, plainInfo.height], [1280, 720])

        var options = CaptureOptions()
        options.rotate = 90
        let (info90, turned) = try firstFrame(options)
        XCTAssertEqual([info90.width, info90.height, turned.width, turned.height], [h, w, h, w])
        XCTAssertEqual([info90.capturedWidth, info90.capturedHeight], [w, h])
        XCTAssertEqual(info90.sizeDescription, "720x1280 (captured 1280x720)")
        // Clockwise: the output's top-right corner is the input's top-left.
        for (x, y) in [(0, 0), (17, 400), (h - 1, w - 1), (300, 5)] {
            XCTAssertEqual(pixel(turned, x, y), pixel(plain, y, h - 1 - x), "rotated (\(x), \(y))")
        }

        options = CaptureOptions()
        options.flip = .horizontal
        let (_, mirrored) = try firstFrame(options)
        for (x, y) in [(0, 0), (640, 360), (w - 1, h - 1), (5, 700)] {
            XCTAssertEqual(pixel(mirrored, x, y), pixel(plain, w - 1 - x, y), "mirrored (\(x), \(y))")
        }

        // Rotate 270, flip vertically, then crop: each step in the documented order.
        options = CaptureOptions()
        options.rotate = 270
        options.flip = .vertical
        options.crop = .init(x: 100, y: 200, width: 320, height: 480)
        let (infoCrop, cropped) = try firstFrame(options)
        XCTAssertEqual([infoCrop.width, infoCrop.height, cropped.width, cropped.height], [320, 480, 320, 480])
        for (x, y) in [(0, 0), (319, 479), (160, 17)] {
            let (rx, ry) = (x + 100, y + 200)           // in the rotated, flipped 720×1280 frame
            let fy = (w - 1) - ry                       // undo the vertical flip
            // 270° clockwise: rotated (rx, fy) came from input (w − 1 − fy, rx).
            XCTAssertEqual(pixel(cropped, x, y), pixel(plain, w - 1 - fy, rx), "cropped (\(x), \(y))")
        }
    }

    func testProcessEveryThirdFrame() throws {
        var options = CaptureOptions()
        options.processEvery = 3
        let every = try VideoReader(.file(path: sample), options: options)
        let all = try VideoReader(.file(path: sample))
        var kept: [Frame] = []
        while let frame = try every.next() { kept.append(frame) }
        XCTAssertEqual(kept.map(\.stamp.index), Array(stride(from: 0, to: 64, by: 3)), "source indices, every third")
        var plain: [Frame] = []
        while let frame = try all.next() { plain.append(frame) }
        for frame in kept.prefix(4) {
            let reference = plain[frame.stamp.index].image
            XCTAssertEqual(pixel(frame.image, 640, 360), pixel(reference, 640, 360), "frame \(frame.stamp.index)")
            XCTAssertEqual(frame.stamp.sourceMillis, plain[frame.stamp.index].stamp.sourceMillis)
        }
        XCTAssertFalse(every.endedEarly, "skipped frames count as read")
    }

    func testOptionsThatCannotApplyAreErrorsNamingTheKey() throws {
        var crop = CaptureOptions()
        crop.crop = .init(x: 1200, y: 0, width: 160, height: 100)
        XCTAssertThrowsError(try VideoReader(.file(path: sample), options: crop)) { error in
            guard case .badOption(let key, _, let reason) = error as? CaptureError else { return XCTFail("\(error)") }
            XCTAssertEqual(key, "crop")
            XCTAssertTrue(reason.contains("does not fit the 1280x720 frame"), reason)
        }
        crop.rotate = 90     // the same crop against the rotated 720×1280 frame
        XCTAssertThrowsError(try VideoReader(.file(path: sample), options: crop)) { error in
            XCTAssertTrue("\(error)".contains("720x1280 frame (after rotating 90°)"), "\(error)")
        }
        var camera = CaptureOptions()
        camera.fourcc = "MJPG"
        XCTAssertThrowsError(try VideoReader(.file(path: sample), options: camera)) { error in
            XCTAssertEqual((error as? CaptureError).map { if case .badOption(let key, _, _) = $0 { key } else { "" } }, "fourcc")
            XCTAssertTrue("\(error)".contains("source.fourcc: applies to cameras"), "\(error)")
        }
        var transport = CaptureOptions()
        transport.rtspTransport = .tcp
        XCTAssertEqual(transport.problem(for: .file(path: sample)).map { "\($0)" }?.contains("source.rtsp_transport"), true)
        XCTAssertNil(transport.problem(for: try SourceSpec(parsing: "rtsp://127.0.0.1:1/x")))
        XCTAssertNil(camera.problem(for: try SourceSpec(parsing: "/dev/video0")))
    }

    /// A server that refuses RTP over UDP: `rtsp_transport: tcp` gets frames, `udp` does not.
    func testRTSPTransportIsWhatTheServerSees() throws {
        let port = freeTCPPort()
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/Scripts/rtsp_server.py").path
        let server = try BackgroundProcess("/usr/bin/python3", [script, "--port", String(port), "--tcp-only"])
        defer { server.stop() }
        guard server.waitForLine(containing: "ready", timeout: 10) else {
            throw SetupRequirement.missing("the GStreamer RTSP server did not start (python3-gi and gir1.2-gst-rtsp-server-1.0 are installed by .ci/run)")
        }
        let spec = try SourceSpec(parsing: "rtsp://127.0.0.1:\(port)/test")
        func frames(_ transport: CaptureOptions.RTSPTransport) -> Int {
            var options = CaptureOptions()
            options.rtspTransport = transport
            guard let reader = try? VideoReader(spec, timeouts: CaptureTimeouts(openMillis: 4000, readMillis: 2000), options: options) else { return 0 }
            var count = 0
            while count < 5, (try? reader.next()) != nil { count += 1 }
            return count
        }
        XCTAssertEqual(frames(.tcp), 5, "RTP interleaved over the RTSP connection")
        XCTAssertEqual(frames(.udp), 0, "the server refuses UDP transport")
    }
}
