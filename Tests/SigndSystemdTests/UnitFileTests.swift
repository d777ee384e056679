import Foundation
import SigndTestSupport
import XCTest

/// Lints systemd/signd.service and systemd/signd@.service with `systemd-analyze verify`, and checks the
/// settings the daemon relies on are there.
final class UnitFileTests: XCTestCase {
    static let unitsDirectory = TestPaths.packageRoot.appendingPathComponent("systemd")
    static let installedBinary = "/usr/local/bin/signd"

    func unitText(_ name: String) throws -> String {
        try String(contentsOf: Self.unitsDirectory.appendingPathComponent(name), encoding: .utf8)
    }

    /// `systemd-analyze verify` only warns (exit 0) on unknown keys or unparsable values, so any diagnostic
    /// line that names the unit counts as a failure too. Returns the problems found (empty: clean).
    func verify(text: String, as unitName: String) throws -> [String] {
        guard let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else {
            throw SetupRequirement.missing("systemd-analyze not found: unit files not verified")
        }
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("signd-units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // ExecStart must name an existing binary: the built signd if there is one, else /bin/true.
        let binary = BuiltSignd.path ?? "/bin/true"
        let file = dir.appendingPathComponent(unitName)
        try text.replacingOccurrences(of: Self.installedBinary, with: binary).write(to: file, atomically: true, encoding: .utf8)

        let result = try runProcessCombined(analyze, ["verify", "--man=no", file.path])
        let lines = result.output.split(separator: "\n").map(String.init)
        var problems = lines.filter { $0.contains(unitName) || $0.contains(file.path) }
        if result.status != 0 {
            problems.append("exit status \(result.status): \(lines.joined(separator: " | "))")
        }
        return problems
    }

    func testServiceVerifies() throws {
        XCTAssertEqual(try verify(text: try unitText("signd.service"), as: "signd.service"), [])
    }

    func testTemplateInstanceVerifies() throws {
        XCTAssertEqual(try verify(text: try unitText("signd@.service"), as: "signd@cam0.service"), [])
    }

    /// The verification really catches errors: a bad value, an unknown key, a missing binary, a bad section.
    func testBrokenCopiesFail() throws {
        let good = try unitText("signd.service")
        let broken = [
            good.replacingOccurrences(of: "WatchdogSec=10s", with: "WatchdogSec=ten seconds"),
            good.replacingOccurrences(of: "Restart=on-failure", with: "Restartt=on-failure"),
            good.replacingOccurrences(of: "NotifyAccess=main", with: "NotifyAccess=sometimes"),
            good.replacingOccurrences(of: Self.installedBinary + " run", with: "/nonexistent/signd run"),
            good.replacingOccurrences(of: "[Service]", with: "[Servce]"),
        ]
        for (i, text) in broken.enumerated() {
            XCTAssertNotEqual(text, good, "mutation \(i) did not apply")
            XCTAssertFalse(try verify(text: text, as: "signd.service").isEmpty, "broken copy \(i) passed verification")
        }
    }

    /// Parses `Key=value` lines of [Service].
    func serviceSettings(_ text: String) -> [String: [String]] {
        var settings: [String: [String]] = [:]
        var section = ""
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || line.isEmpty { continue }
            if line.hasPrefix("[") { section = line; continue }
            guard section == "[Service]", let eq = line.firstIndex(of: "=") else { continue }
            settings[String(line[..<eq]), default: []].append(String(line[line.index(after: eq)...]))
        }
        return settings
    }

    func testSettingsTheDaemonReliesOn() throws {
        for (name, config) in [("signd.service", "/etc/signd/signd.yaml"), ("signd@.service", "/etc/signd/%i.yaml")] {
            let s = serviceSettings(try unitText(name))
            XCTAssertEqual(s["Type"], ["notify"], name)
            XCTAssertEqual(s["NotifyAccess"], ["main"], name)
            XCTAssertEqual(s["WatchdogSec"], ["10s"], name)
            XCTAssertEqual(s["Restart"], ["on-failure"], name)
            XCTAssertEqual(s["ExecStart"], ["\(Self.installedBinary) run --config \(config)"], name)
            XCTAssertEqual(s["Environment"], ["OPENBLAS_NUM_THREADS=1"], name)
            XCTAssertEqual(s["DeviceAllow"], ["char-video4linux rw"], name)
            XCTAssertEqual(s["SupplementaryGroups"], ["video"], name)
            XCTAssertEqual(s["DynamicUser"], ["yes"], name)
            XCTAssertNil(s["PrivateDevices"], "\(name): PrivateDevices=yes would hide /dev/video*")
            XCTAssertTrue(s["RestrictAddressFamilies"]?.first?.contains("AF_UNIX") ?? false, name)
        }
    }
}
