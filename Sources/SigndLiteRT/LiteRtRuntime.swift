import CLiteRt
import Foundation

/// The LiteRT runtime library (`libLiteRt.so` from ai-edge-litert 2.3.0), opened at run time with every
/// function signd uses resolved up front, so a wrong or incomplete library fails here with the list of
/// missing symbols rather than at the first inference.
///
/// One runtime can serve any number of `LiteRtModel`s on any threads: it only holds the immutable
/// function table. Models keep their runtime alive.
public final class LiteRtRuntime: Sendable {
    /// sha256 of `ai_edge_litert/libLiteRt.so` in the pinned ai-edge-litert 2.3.0 wheel.
    public static let pinnedSHA256 = Pin.named("libLiteRt.so").sha256

    /// Minimum severity of LiteRT's own log lines (stderr) for models created with this runtime.
    public enum LogSeverity: Int32, Sendable {
        case verbose = 0, info = 1, warning = 2, error = 3, silent = 4
    }

    public let libraryURL: URL
    public let logSeverity: LogSeverity
    /// Immutable after init; read-only access from any thread.
    nonisolated(unsafe) let api: UnsafePointer<SigndLiteRtApi>

    /// Opens `library`. When `expectedSHA256` is given (default: the pinned digest) the file is checked
    /// before `dlopen`; pass nil to skip the check (e.g. a locally built LiteRT).
    public init(
        library: URL, expectedSHA256: String? = LiteRtRuntime.pinnedSHA256, logSeverity: LogSeverity = .error
    ) throws {
        let path = library.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw LiteRtError.missingLibrary(path: path, reason: "no such file")
        }
        if let expectedSHA256 {
            try FileDigest.verify(library, sha256: expectedSHA256)
        }
        var table: UnsafePointer<SigndLiteRtApi>?
        var message = [CChar](repeating: 0, count: 4096)
        let result = signd_litert_load(path, &table, &message, message.count)
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch result {
        case SigndLiteRtLoadOk:
            guard let table else { throw LiteRtError.missingLibrary(path: path, reason: "loader returned no table") }
            self.api = table
        case SigndLiteRtLoadMissingSymbols:
            throw LiteRtError.missingSymbols(library: path, symbols: text.components(separatedBy: ", "))
        default:
            throw LiteRtError.missingLibrary(path: path, reason: text.isEmpty ? "load failed" : text)
        }
        self.libraryURL = library
        self.logSeverity = logSeverity
    }

    deinit {
        signd_litert_release(api)
    }

    /// The LiteRT function names the runtime resolves (all must exist in the library).
    public static var requiredSymbols: [String] {
        (0..<signd_litert_symbol_count()).compactMap { signd_litert_symbol_name($0).map { String(cString: $0) } }
    }
}
