import Foundation
import SigndConfig
import SigndTestSupport
import XCTest

/// Bounded, seeded fuzz of the config loader on mutations of the shipped configs: every input is either
/// accepted or refused with a ConfigError naming the file; none may crash (a crash fails the whole run).
final class ConfigFuzzTests: XCTestCase {
    func testMutatedConfigsNeverCrash() throws {
        var mutator = Mutator(seed: 0x5167_6E64)
        let seeds = try ["configs/signd.yaml", "configs/demo.yaml"].map {
            Array(try Data(contentsOf: TestPaths.packageRoot.appendingPathComponent($0)))
        }
        var refused = 0
        let count = Mutator.iterations(default: 600)
        for i in 0..<count {
            let bytes = mutator.mutate(seeds[i % seeds.count])
            guard let text = String(bytes: bytes, encoding: .utf8) else { continue }
            do {
                _ = try ConfigLoader.parse(yaml: text, file: "fuzz.yaml")
            } catch {
                XCTAssertTrue(error.description.hasPrefix("config 'fuzz.yaml'"), error.description)
                refused += 1
            }
        }
        XCTAssertGreaterThan(refused, count / 4, "the mutations should mostly break the file")
    }
}
