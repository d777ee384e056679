import Foundation
import SigndCore
@testable import SigndNpz
import SigndTestSupport
import XCTest

final class NpzTests: XCTestCase {
    private var temp: TemporaryDirectory!
    private var tempDir: URL { temp.url }

    override func setUpWithError() throws {
        temp = try TemporaryDirectory(prefix: "signd-npz")
    }

    override func tearDownWithError() throws { temp.remove() }

    /// A real seed file from shared/data: shapes as documented, NaN for undetected hands.
    func testReadsRealSeedFile() throws {
        let url = TestPaths.shared.appendingPathComponent("data/Kush3001__hello__14.npz")
        let arrays = try NpzArchive.read(url)
        XCTAssertEqual(arrays["pose"]?.shape, [30, 33, 4])
        XCTAssertEqual(arrays["left_hand"]?.shape, [30, 21, 3])
        XCTAssertEqual(arrays["right_hand"]?.shape, [30, 21, 3])
        let frames = try SeedLandmarkFile.read(url)
        XCTAssertEqual(frames.count, 30)
        XCTAssertTrue(frames.allSatisfy(\.hasPose))
        // Undetected hands are whole-NaN per frame, never partially NaN.
        for frame in frames {
            XCTAssertTrue(frame.leftHand.allSatisfy(\.isNaN) || !frame.leftHand.contains(where: \.isNaN))
        }
    }

    /// What we write, numpy reads back bit for bit (and we read it back too).
    func testRoundTripThroughNumpy() throws {
        var a = HolisticLandmarks.empty()
        a.pose = (0..<132).map { Float($0) * 0.25 }
        var b = HolisticLandmarks.empty()
        b.rightHand = (0..<63).map { Float($0) / 7 }
        let url = tempDir.appendingPathComponent("out.npz")
        try SeedLandmarkFile.write([a, b], to: url)
        let back = try SeedLandmarkFile.read(url)
        XCTAssertEqual(back.count, 2)
        for (x, y) in zip(back, [a, b]) {  // bit patterns: NaN must survive as NaN
            XCTAssertEqual(x.pose.map(\.bitPattern), y.pose.map(\.bitPattern))
            XCTAssertEqual(x.leftHand.map(\.bitPattern), y.leftHand.map(\.bitPattern))
            XCTAssertEqual(x.rightHand.map(\.bitPattern), y.rightHand.map(\.bitPattern))
            XCTAssertNil(x.face)
        }

        let script = """
        import numpy as np, sys
        d = np.load(sys.argv[1])
        assert d['pose'].dtype == np.float32 and d['pose'].shape == (2, 33, 4), d['pose'].shape
        assert d['pose'][0, 1, 0] == 1.0 and np.isnan(d['pose'][1]).all()
        assert abs(d['right_hand'][1, 0, 1] - 1/7) < 1e-7 and np.isnan(d['right_hand'][0]).all()
        print('ok')
        """
        let output = try runPython(script, arguments: [url.path])
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines), "ok")
    }

    /// Faces of 468 and 478 points (MediaPipe with refine_face_landmarks) are both read, at their size;
    /// any other count is an error naming the member (it was silently dropped before).
    func testFacesOfBothSizesAreReadAndOtherSizesRefused() throws {
        for points in HolisticLandmarks.faceJointCounts {
            var frame = HolisticLandmarks.empty()
            frame.face = (0..<(points * 3)).map { Float($0) / 3 }
            let url = tempDir.appendingPathComponent("face\(points).npz")
            try SeedLandmarkFile.write([frame, frame], to: url)
            XCTAssertEqual(try NpzArchive.read(url)["face"]?.shape, [2, points, 3])
            let back = try SeedLandmarkFile.read(url)
            XCTAssertEqual(back.map(\.faceJointCount), [points, points])
            XCTAssertEqual(back[1].face, frame.face)
        }
        let odd = tempDir.appendingPathComponent("odd.npz")
        try NpzArchive.write([("pose", NpyArray(shape: [1, 33, 4], values: [Float](repeating: 0, count: 132))),
                              ("face", NpyArray(shape: [1, 400, 3], values: [Float](repeating: 0, count: 1200)))], to: odd)
        XCTAssertThrowsError(try SeedLandmarkFile.read(odd)) {
            XCTAssertTrue("\($0)".contains("odd.npz:face") && "\($0)".contains("468 or 478"), "\($0)")
        }
    }

    func testMissingAndCorruptFilesNameTheFile() throws {
        let missing = tempDir.appendingPathComponent("nope.npz")
        XCTAssertThrowsError(try NpzArchive.read(missing)) { XCTAssertTrue("\($0)".contains("nope.npz")) }
        let garbage = tempDir.appendingPathComponent("garbage.npz")
        try Data(repeating: 7, count: 100).write(to: garbage)
        XCTAssertThrowsError(try NpzArchive.read(garbage)) { XCTAssertTrue("\($0)".contains("garbage.npz"), "\($0)") }
    }

    func testTruncatedMemberIsReported() throws {
        let array = NpyArray(shape: [4, 4], values: (0..<16).map(Float.init))
        let url = tempDir.appendingPathComponent("t.npz")
        try NpzArchive.write([("x", array)], to: url)
        XCTAssertEqual(try NpzArchive.read(url)["x"], array)
        // A .npy whose header promises more data than it has.
        let npy = tempDir.appendingPathComponent("short.npy")
        let script = """
        import numpy as np, sys, zipfile, io
        buf = io.BytesIO(); np.save(buf, np.zeros((10, 10), np.float32)); raw = buf.getvalue()[:-40]
        with zipfile.ZipFile(sys.argv[1], 'w') as z: z.writestr('x.npy', raw)
        """
        _ = try runPython(script, arguments: [npy.path + ".npz"])
        XCTAssertThrowsError(try NpzArchive.read(URL(fileURLWithPath: npy.path + ".npz"))) { error in
            guard case NpyError.truncated(let member, 400, 360) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(member.hasSuffix(":x"))
        }
    }

    /// A header whose shape overflows when multiplied out (found by fuzzing: it trapped `replay`/`eval` with
    /// SIGILL) is a bad header naming the member, not a crash; so is one whose byte count overflows.
    func testOverflowingShapeIsABadHeader() throws {
        for shape in ["(4611686018427387904, 4)", "(3037000500, 3037000500)", "(2305843009213693952,)"] {
            let header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
            var npy = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
            let padded = header.padding(toLength: 118, withPad: " ", startingAt: 0) + "\n"
            npy.append(contentsOf: [UInt8(padded.utf8.count & 0xFF), UInt8(padded.utf8.count >> 8)])
            npy.append(Data(padded.utf8))
            npy.append(Data(count: 64))
            XCTAssertThrowsError(try NpyFormat.decode(npy, member: "f.npz:x")) { error in
                guard case NpyError.badHeader(let member, let reason) = error else { return XCTFail("\(shape): \(error)") }
                XCTAssertEqual(member, "f.npz:x")
                XCTAssertTrue(reason.contains("too many"), reason)
            }
        }
    }
}
