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
    /// The built `signd` binary next to the test bundle (debug build folder).
    public static var signdBinary: URL {
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("signd")
    }
}
