import Foundation
import SigndSTGCN
import SigndTestSupport
import XCTest

/// The manifest validation cases the Python twin is tested on too (Tests/Fixtures/manifest/cases.json;
/// Training/tests/test_manifest_cases.py): both readers accept and refuse the same manifests, and name the
/// same field, so a head one side writes is never one the other side refuses.
final class SharedManifestCasesTests: XCTestCase {
    func testManifestCasesAreDecidedLikeThePythonTwin() throws {
        let url = TestPaths.fixtures.appendingPathComponent("manifest/cases.json")
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let base = try XCTUnwrap(doc["base"] as? [String: Any])
        let cases = try XCTUnwrap(doc["cases"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 25)
        for c in cases {
            let name = c["name"] as? String ?? "?"
            var manifest = base
            for (key, value) in c["set"] as? [String: Any] ?? [:] { manifest[key] = value }
            for key in c["remove"] as? [String] ?? [] { manifest.removeValue(forKey: key) }
            let data = try JSONSerialization.data(withJSONObject: manifest)
            do {
                _ = try STGCNManifest.decode(data, file: "m.json")
                XCTAssertTrue(c["field"] is NSNull, "\(name): accepted, but the shared case expects a refusal naming \(c["field"] ?? "")")
            } catch {
                let field = try XCTUnwrap(c["field"] as? String, "\(name): refused (\(error)), but the shared case is valid")
                XCTAssertTrue("\(error)".contains(field), "\(name): \(error) does not name \(field)")
            }
        }
    }
}
