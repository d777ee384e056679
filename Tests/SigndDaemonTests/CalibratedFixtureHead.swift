import Foundation
import SigndTestSupport
import XCTest

/// A copy, in `dir`, of the fixture binary head whose manifest carries `operating_point` enter / exit
/// (the weights unchanged); returns its stem.
func calibratedFixtureHead(enter: Double, exit: Double, in dir: URL) throws -> String {
    let source = TestPaths.fixtures.appendingPathComponent("stgcn/additive_binary_j75_c2/model").path
    let stem = dir.appendingPathComponent("calibrated").path
    try FileManager.default.copyItem(atPath: source + ".safetensors", toPath: stem + ".safetensors")
    var manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source + ".manifest.json"))) as? [String: Any])
    manifest["operating_point"] = ["enter_threshold": enter, "exit_threshold": exit, "calibration": "test"]
    try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: stem + ".manifest.json"))
    return stem
}
