import Foundation

/// Locations tests need: the package root, the bundled samples, `../shared/`, the models directory.
public enum TestPaths {
    /// The package root, found from this source file's location (Tests/SigndTestSupport/Paths.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let samples = packageRoot.appendingPathComponent("Samples")
    public static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures")
    /// `../shared/` beside the checkout (present in every working copy and in CI).
    public static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    /// Models directory: `$SIGND_MODELS_DIR` or `Models/` in the package.
    public static var models: URL {
        if let dir = ProcessInfo.processInfo.environment["SIGND_MODELS_DIR"] { return URL(fileURLWithPath: dir) }
        return packageRoot.appendingPathComponent("Models")
    }
    /// The built `signd` binary: `$SIGND_BINARY`, or the one in the build folder that holds the test bundle.
    public static var signdBinary: URL {
        if let path = ProcessInfo.processInfo.environment["SIGND_BINARY"] { return URL(fileURLWithPath: path) }
        let runner = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return runner.deletingLastPathComponent().appendingPathComponent("signd")
    }

    /// `signdBinary`, or the setup error (skip locally, fail in CI) when it has not been built.
    public static func requireSigndBinary(file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        guard FileManager.default.isExecutableFile(atPath: signdBinary.path) else {
            throw SetupRequirement.missing("signd binary not built at \(signdBinary.path) (run `swift build --build-tests`)",
                                           file: file, line: line)
        }
        return signdBinary
    }
}

/// A fresh directory under the system temp folder, removed again by `remove()` (call it in tearDown).
public struct TemporaryDirectory: Sendable {
    public let url: URL

    public init(prefix: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func appending(_ name: String) -> URL { url.appendingPathComponent(name) }
    public var path: String { url.path }
    public func remove() { try? FileManager.default.removeItem(at: url) }
}
