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
        // Quoted fields: a comma or a quote inside a class name, and a quoted comma before the columns read.
        try "other,video_id,gloss\n\"x, y\",a,\"thank you, please\"\n\"q\"\"\",b,\"say \"\"hi\"\"\"\n".write(to: csv, atomically: true, encoding: .utf8)
        XCTAssertEqual(try loadVideoClasses(csv), ["a": "thank you, please", "b": "say \"hi\""])
        try "video_id,gloss\n\"a\"x,hello\n".write(to: csv, atomically: true, encoding: .utf8)   // text after a closing quote
        XCTAssertThrowsError(try loadVideoClasses(csv)) { XCTAssertTrue("\($0)".contains("sequences.csv") && "\($0)".contains("CSV"), "\($0)") }
        try "video,gloss\na,hello\n".write(to: csv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try loadVideoClasses(csv)) { XCTAssertTrue("\($0)".contains("'video_id'"), "\($0)") }

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

/// One test, three implementations of average precision: SigndEval (Swift), signstgcn.metrics (Python) and
/// scikit-learn's average_precision_score, on the shared cases and on random score sets with ties.
final class AveragePrecisionCrossCheckTests: XCTestCase {
    func testSwiftPythonAndScikitLearnAgree() throws {
        let python = try ReferencePython.require(ReferencePython.main)
        struct Case: Codable { var labels: [Int]; var scores: [Double] }
        var cases: [Case] = []
        var state: UInt64 = 12345
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for n in [2, 5, 17, 100, 1000] {
            // Scores on a coarse grid, so that many tie; labels random, at least one positive.
            let labels = (0..<n).map { i in i == 0 ? 1 : Int(next() % 3 == 0 ? 1 : 0) }
            let scores = (0..<n).map { _ in Double(next() % 20) / 20 }
            cases.append(Case(labels: labels, scores: scores))
        }
        let shared = try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixtures.appendingPathComponent("metrics/average_precision.json"))) as! [String: Any]
        for c in shared["cases"] as! [[String: Any]] {
            let labels = c["labels"] as! [Int]
            if labels.contains(1) { cases.append(Case(labels: labels, scores: c["scores"] as! [Double])) }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-ap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("cases.json")
        try JSONEncoder().encode(cases).write(to: input)
        let script = """
            import json, sys
            import numpy as np
            from sklearn.metrics import average_precision_score
            from signstgcn.metrics import average_precision
            for c in json.load(open(sys.argv[1])):
                y, s = np.array(c["labels"]), np.array(c["scores"])
                print(repr(float(average_precision_score(y, s))), repr(float(average_precision(y, s))))
            """
        let output = try runProcess(python, ["-c", script, input.path], currentDirectory: TestPaths.packageRoot.appendingPathComponent("Training"))
        let rows = output.split(separator: "\n").map { $0.split(separator: " ").map { Double(String($0))! } }
        XCTAssertEqual(rows.count, cases.count)
        for (c, row) in zip(cases, rows) {
            let swift = try XCTUnwrap(BinaryMetrics.averagePrecision(zip(c.scores, c.labels).map { Sample(score: $0, positive: $1 == 1) }))
            XCTAssertEqual(swift, row[0], accuracy: 1e-12, "Swift vs scikit-learn on \(c.labels.count) samples")
            XCTAssertEqual(row[1], row[0], accuracy: 1e-12, "signstgcn.metrics vs scikit-learn on \(c.labels.count) samples")
        }
    }
}

/// The PR plot draws one line when the per-window and per-frame curves are the same, two otherwise.
final class PRPlotTests: XCTestCase {
    func testIdenticalCurvesAreDrawnOnce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-pr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = [Sample(score: 0.9, positive: true), Sample(score: 0.4, positive: false), Sample(score: 0.7, positive: true)]
        let b = a + [Sample(score: 0.8, positive: false)]
        XCTAssertEqual(try EvalPlots.prCurves(window: a, frame: a, to: dir.appendingPathComponent("same.png")), ["per window = per frame"])
        XCTAssertEqual(try EvalPlots.prCurves(window: a, frame: b, to: dir.appendingPathComponent("two.png")), ["per window", "per frame"])
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("same.png")).prefix(4), Data([0x89, 0x50, 0x4E, 0x47]))
    }
}
