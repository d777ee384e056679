import Foundation
import XCTest

/// What a test does when something the project's setup installs is missing (models, `.venv`, the RTSP
/// server, systemd-analyze, the built binary). On a developer's machine it skips with the reason; in CI
/// (`CI=true`) or with `SIGND_REQUIRE_SETUP=1` it fails, so that a green run means the suite really ran.
/// Skips that do not come from setup (opt-in diagnostics, a kernel feature) keep using `XCTSkip` directly.
public enum SetupRequirement {
    /// Whether a missing setup dependency fails the test instead of skipping it.
    public static var isStrict: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["CI"] == "true" || env["SIGND_REQUIRE_SETUP"] == "1"
    }

    /// The error to throw for a missing setup dependency: `XCTSkip` locally, `MissingSetup` when strict.
    public static func missing(_ what: String, file: StaticString = #filePath, line: UInt = #line) -> Error {
        if isStrict { return MissingSetup(what: what) }
        return XCTSkip("missing setup dependency: \(what)", file: file, line: line)
    }

    /// Throws `missing(what)` unless `condition` holds.
    public static func require(_ condition: Bool, _ what: @autoclosure () -> String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        if !condition { throw missing(what(), file: file, line: line) }
    }
}

/// A setup dependency was missing where the suite must run whole (CI): the test fails with this reason.
public struct MissingSetup: Error, CustomStringConvertible {
    public let what: String
    public var description: String { "missing setup dependency (CI=true makes this a failure): \(what) — run `scripts/setup --dev`" }
}
