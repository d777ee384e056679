import Foundation
import SigndEval
import SigndTestSupport
import XCTest

/// Metrics on hand-made samples, checked against values worked out by hand.
final class MetricsTests: XCTestCase {
    func testAveragePrecisionWithTiesAndThresholdMetrics() {
        // Scores (label): 0.9 (+), 0.8 (−), 0.8 (+), 0.5 (+), 0.3 (−), 0.1 (−).
        // Thresholds: 0.9 → R 1/3, P 1; 0.8 → R 2/3, P 2/3; 0.5 → R 1, P 3/4.
        // AP = 1/3·1 + 1/3·2/3 + 1/3·3/4 = 29/36.
        let samples = [Sample(score: 0.9, positive: true), Sample(score: 0.8, positive: false), Sample(score: 0.8, positive: true),
                       Sample(score: 0.5, positive: true), Sample(score: 0.3, positive: false), Sample(score: 0.1, positive: false)]
        let m = BinaryMetrics(samples, threshold: 0.6)
        XCTAssertEqual(m.prAUC!, 29.0 / 36.0, accuracy: 1e-12)
        XCTAssertEqual([m.truePositives, m.falsePositives, m.falseNegatives, m.trueNegatives], [2, 1, 1, 2])
        XCTAssertEqual(m.precision, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(m.recall, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(m.f1, 2.0 / 3.0, accuracy: 1e-12)
        // Score exactly at the threshold counts as positive.
        XCTAssertEqual(BinaryMetrics(samples, threshold: 0.5).truePositives, 3)
    }

    func testDegenerateSets() {
        let negatives = [Sample(score: 0.2, positive: false)]
        let m = BinaryMetrics(negatives, threshold: 0.5)
        XCTAssertNil(m.prAUC, "no positive: PR-AUC undefined")
        XCTAssertEqual(m.precision, 0)
        XCTAssertEqual(m.f1, 0)
        XCTAssertEqual(Summary([]).mean, nil)
        XCTAssertEqual(Summary([3, 1, 2, 10]).median, 2.5)
    }

    func testGroundTruthParsingWindowLabelsAndSegments() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-gt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("groundtruth.txt")
        try "v 0 n\nv 1 s\nv 2 S\nv 3 n\n# comment\n\nv 3 s\nv 4 ?\nv 5 s\nv 6 n\nv 9 s\n".write(to: file, atomically: true, encoding: .utf8)
        let gt = try GroundTruth.load(file)
        XCTAssertEqual(gt.labels["v"]?[3], "s", "a later line replaces an earlier one")
        let sets = LabelSets()
        // Frames 0–3: n, s, S, s → s wins 2:1:1.
        XCTAssertEqual(gt.windowLabel(video: "v", frames: 0...3, sets: sets), "s")
        // Frames 1–2: s, S tie → the smaller byte string "S".
        XCTAssertEqual(gt.windowLabel(video: "v", frames: 1...2, sets: sets), "S")
        XCTAssertNil(gt.windowLabel(video: "v", frames: 7...8, sets: sets))
        // s S s ? s is one segment (the ignored ? is bridged), then n, then s at 9.
        XCTAssertEqual(gt.segments(video: "v", sets: sets), [1...5, 9...9])

        // CRLF line ends (Windows-made files).
        try "w 0 s\r\nw 1 n\r\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try GroundTruth.load(file).labels["w"], [0: "s", 1: "n"])
        let csv = dir.appendingPathComponent("sequences.csv")
        try "video_id,gloss,other\r\nw,hello,x\r\nz,thanks,\"a, b\"\r\n".write(to: csv, atomically: true, encoding: .utf8)
        XCTAssertEqual(try loadVideoClasses(csv), ["w": "hello", "z": "thanks"])

        try "v 0 s\nv x s\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try GroundTruth.load(file)) { XCTAssertTrue("\($0)".contains("line 2"), "\($0)") }
        try "v 0\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try GroundTruth.load(file)) { XCTAssertTrue("\($0)".contains("line 1"), "\($0)") }
    }
}

/// The average-precision cases Swift and Python share (Tests/Fixtures/metrics/average_precision.json).
final class SharedMetricCasesTests: XCTestCase {
    func testAveragePrecisionMatchesTheSharedCases() throws {
        struct Cases: Decodable {
            struct Case: Decodable { var name: String; var labels: [Int]; var scores: [Double]; var expected: Double? }
            var cases: [Case]
        }
        let url = TestPaths.fixtures.appendingPathComponent("metrics/average_precision.json")
        let cases = try JSONDecoder().decode(Cases.self, from: Data(contentsOf: url)).cases
        XCTAssertGreaterThanOrEqual(cases.count, 7)
        for c in cases {
            let samples = zip(c.scores, c.labels).map { Sample(score: $0, positive: $1 == 1) }
            let ap = BinaryMetrics.averagePrecision(samples)
            if let expected = c.expected {
                XCTAssertEqual(try XCTUnwrap(ap, c.name), expected, accuracy: 1e-12, c.name)
            } else {
                XCTAssertNil(ap, c.name)
            }
        }
    }

    /// Window labels, shared with the Python twin (Tests/Fixtures/metrics/window_labels.json).
    func testWindowLabelsMatchTheSharedCases() throws {
        struct Cases: Decodable {
            struct Case: Decodable { var name: String; var labels: [String: String]; var start: Int; var window: Int; var expected: String? }
            var cases: [Case]
        }
        let url = TestPaths.fixtures.appendingPathComponent("metrics/window_labels.json")
        let cases = try JSONDecoder().decode(Cases.self, from: Data(contentsOf: url)).cases
        XCTAssertGreaterThanOrEqual(cases.count, 9)
        for c in cases {
            var frames: [Int: String] = [:]
            for (frame, label) in c.labels { frames[try XCTUnwrap(Int(frame), c.name)] = label }
            let truth = GroundTruth(labels: ["v": frames])
            let sets = LabelSets(positive: ["S"], ignored: [])
            XCTAssertEqual(truth.windowLabel(video: "v", frames: c.start...(c.start + c.window - 1), sets: sets), c.expected, c.name)
        }
    }
}
