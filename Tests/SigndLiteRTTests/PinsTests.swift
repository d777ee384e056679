import Foundation
import SigndLiteRT
import SigndTestSupport
import XCTest

/// The one pins table (Sources/SigndLiteRT/pins.tsv) that scripts/fetch-models reads and the binary embeds:
/// complete, and the models fetch-models laid out match what the binary checks.
final class PinsTests: XCTestCase {
    func testTableIsCompleteAndMatchesTheFetchedModels() throws {
        XCTAssertEqual(Pin.all.filter { $0.kind == .wheel }.count, 2)
        XCTAssertEqual(Pin.all.filter { $0.kind == .library }.map(\.name), ["libLiteRt.so"])
        XCTAssertEqual(Pin.all.filter { $0.kind == .model }.map(\.name), HolisticModel.allCases.map(\.fileName))
        for pin in Pin.all { XCTAssertNotNil(pin.sha256.range(of: "^[0-9a-f]{64}$", options: .regularExpression), pin.name) }
        // fetch-models wrote SHA256SUMS from the same table; the binary's view must agree with it.
        let sums = TestPaths.models.appendingPathComponent("mediapipe/SHA256SUMS")
        guard let text = try? String(contentsOf: sums, encoding: .utf8) else {
            throw SetupRequirement.missing("\(sums.path) (scripts/fetch-models writes it)")
        }
        let written = Dictionary(uniqueKeysWithValues: text.split(separator: "\n").map { line -> (String, String) in
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            return (String(parts[1]), String(parts[0]))
        })
        for model in HolisticModel.allCases { XCTAssertEqual(written[model.fileName], model.sha256, model.fileName) }
    }
}
