import Foundation

/// A helper process a test starts and stops (an RTSP server, a subscriber). Killed on deinit.
public final class BackgroundProcess: @unchecked Sendable {
    public let process = Process()
    private let output = Pipe()

    /// - Parameter outputFile: where stdout goes (for long output a pipe could fill); stderr stays on the pipe.
    public init(_ executable: String, _ arguments: [String], outputFile: URL? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let outputFile {
            FileManager.default.createFile(atPath: outputFile.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: outputFile)
        } else {
            process.standardOutput = output
        }
        process.standardError = output
        try process.run()
    }

    /// Stops the process with `signal` (if still running) and waits for it.
    public func finish(signal: Int32 = SIGINT) {
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
    }

    deinit { stop() }

    /// Reads output lines until one contains `marker` or the timeout passes.
    public func waitForLine(containing marker: String, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = ""
        let handle = output.fileHandleForReading
        while Date() < deadline, process.isRunning {
            let chunk = handle.availableData
            if chunk.isEmpty { Thread.sleep(forTimeInterval: 0.05); continue }
            buffer += String(decoding: chunk, as: UTF8.self)
            if buffer.contains(marker) { return true }
        }
        return buffer.contains(marker)
    }

    public func stop(signal: Int32 = SIGKILL) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }
}

/// A TCP port that was free a moment ago on 127.0.0.1.
public func freeTCPPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Collects values from any thread and lets a test wait for a condition on them.
public final class Recorder<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Value] = []

    public init() {}

    public func append(_ value: Value) {
        condition.lock()
        items.append(value)
        condition.broadcast()
        condition.unlock()
    }

    public var values: [Value] { condition.lock(); defer { condition.unlock() }; return items }

    /// Waits until `predicate` holds for the recorded values or the timeout passes; returns whether it held.
    @discardableResult
    public func wait(timeout: TimeInterval, until predicate: ([Value]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(items) {
            if !condition.wait(until: deadline) { return predicate(items) }
        }
        return true
    }
}
