import Foundation

/// A GET through the `curl` command (Debian's curl; scripts/setup --dev): a real HTTP client in its own
/// process. Foundation's URLSession is not used in the tests: on Linux it leaks in libcurl under
/// LeakSanitizer and fails on some servers' headers (chromedriver's).
public struct HTTPReply: Sendable {
    public var status: Int
    public var contentType: String
    public var body: Data
}

public struct HTTPFailure: Error, CustomStringConvertible {
    public let description: String
}

public func httpGet(_ url: String, timeoutSeconds: Int = 10) throws -> HTTPReply {
    try SetupRequirement.require(FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "curl (Debian's curl; scripts/setup --dev)")
    let bodyFile = FileManager.default.temporaryDirectory.appendingPathComponent("signd-http-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: bodyFile) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["-sS", "--max-time", "\(timeoutSeconds)", "-o", bodyFile.path, "-w", "%{http_code} %{content_type}", url]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let summary = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw HTTPFailure(description: "GET \(url): curl exited \(process.terminationStatus)") }
    let parts = summary.split(separator: " ", maxSplits: 1)
    let body = FileHandle(forReadingAtPath: bodyFile.path).map { handle in
        defer { try? handle.close() }
        return handle.readDataToEndOfFile()
    } ?? Data()
    return HTTPReply(status: Int(parts.first ?? "") ?? 0, contentType: parts.count > 1 ? String(parts[1]) : "", body: body)
}
