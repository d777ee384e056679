import Foundation

/// A real headless Chromium driven through Debian's `chromedriver` over the W3C WebDriver protocol, for the
/// tests of the web pages signd serves. Only the few commands the tests need: open a URL, run a script,
/// take a screenshot.
public final class BrowserSession: @unchecked Sendable {
    public static let chromium = "/usr/bin/chromium"
    public static let driverExecutable = "/usr/bin/chromedriver"

    private let driver: BackgroundProcess
    private let base: URL
    private let session: String

    public init(width: Int = 1280, height: Int = 900) throws {
        try SetupRequirement.require(FileManager.default.isExecutableFile(atPath: Self.chromium)
                                         && FileManager.default.isExecutableFile(atPath: Self.driverExecutable)
                                         && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"),
                                     "chromium, chromedriver and curl (Debian's chromium, chromium-driver, curl; scripts/setup --dev)")
        let port = freeTCPPort()
        driver = try BackgroundProcess(Self.driverExecutable, ["--port=\(port)"])
        base = URL(string: "http://127.0.0.1:\(port)")!
        var last = "no reply"
        var ready = false
        for _ in 0..<100 where !ready {
            do {
                let status = try Self.request(base.appendingPathComponent("status"), method: "GET", body: nil)
                last = "\(status)"
                ready = (status["value"] as? [String: Any])?["ready"] as? Bool == true
            } catch {
                last = "\(error)"
            }
            if !ready { Thread.sleep(forTimeInterval: 0.1) }
        }
        guard ready else { throw MissingSetup(what: "chromedriver did not become ready on port \(port): \(last)") }
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": [
                "binary": Self.chromium,
                // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=\(width),\(height)"],
            ],
        ]]]
        let created = try Self.request(base.appendingPathComponent("session"), method: "POST", body: capabilities)
        guard let value = created["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            throw MissingSetup(what: "chromedriver did not start a Chromium session: \(created)")
        }
        session = id
    }

    deinit {
        _ = try? Self.request(base.appendingPathComponent("session/\(session)"), method: "DELETE", body: nil)
        driver.stop()
    }

    public func open(_ url: String) throws {
        _ = try command("url", ["url": url])
    }

    /// Runs `script` (a function body) in the page and returns its value.
    public func evaluate(_ script: String) throws -> Any? {
        try command("execute/sync", ["script": script, "args": [Any]()])["value"]
    }

    /// Polls `script` until it returns true or the timeout passes.
    public func wait(timeout: TimeInterval, until script: String) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try evaluate(script) as? Bool == true { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return try evaluate(script) as? Bool == true
    }

    /// The viewport as PNG bytes.
    public func screenshot() throws -> Data {
        let reply = try Self.request(base.appendingPathComponent("session/\(session)/screenshot"), method: "GET", body: nil)
        guard let text = reply["value"] as? String, let data = Data(base64Encoded: text) else {
            throw MissingSetup(what: "no screenshot in chromedriver's reply")
        }
        return data
    }

    private func command(_ path: String, _ body: [String: Any]) throws -> [String: Any] {
        let reply = try Self.request(base.appendingPathComponent("session/\(session)/\(path)"), method: "POST", body: body)
        if let value = reply["value"] as? [String: Any], let error = value["error"] as? String {
            throw WebDriverError(description: "\(path): \(error): \(value["message"] ?? "")")
        }
        return reply
    }

    /// One WebDriver call through the `curl` command: Foundation's URLSession on Linux fails on
    /// chromedriver's response headers ("Failed writing header").
    private static func request(_ url: URL, method: String, body: [String: Any]?) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-sS", "--max-time", "60", "-X", method, url.absoluteString]
        if body != nil { arguments += ["-H", "Content-Type: application/json", "--data-binary", "@-"] }
        process.arguments = arguments
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let body { input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: body)) }
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw WebDriverError(description: "curl \(method) \(url) exited \(process.terminationStatus)") }
        return (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }
}

public struct WebDriverError: Error, CustomStringConvertible {
    public let description: String
}
