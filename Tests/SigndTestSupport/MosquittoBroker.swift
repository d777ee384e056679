import Foundation

/// A real Mosquitto broker on 127.0.0.1 (Debian's `mosquitto`, installed by `scripts/setup --dev`), for the
/// MQTT bridge's tests. No persistence: a restart forgets every retained message, as a broker without a
/// database does, which is what the bridge's re-send on reconnect is for.
public final class MosquittoBroker: @unchecked Sendable {
    public let port: Int
    private let directory: URL
    private var process: BackgroundProcess?

    public static let executable = "/usr/sbin/mosquitto"
    public static let subscriberExecutable = "/usr/bin/mosquitto_sub"

    /// - Parameter start: false to pick the port now and start the broker later (`start()`).
    public init(directory: URL, start: Bool = true) throws {
        try SetupRequirement.require(FileManager.default.isExecutableFile(atPath: Self.executable)
                                         && FileManager.default.isExecutableFile(atPath: Self.subscriberExecutable),
                                     "mosquitto and mosquitto_sub (Debian's mosquitto, mosquitto-clients; scripts/setup --dev)")
        self.directory = directory
        port = freeTCPPort()
        if start { try self.start() }
    }

    /// Starts the broker and waits until it accepts connections.
    public func start() throws {
        let config = directory.appendingPathComponent("mosquitto-\(port).conf")
        try "listener \(port) 127.0.0.1\nallow_anonymous true\npersistence false\n".write(to: config, atomically: true, encoding: .utf8)
        process = try BackgroundProcess(Self.executable, ["-c", config.path])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if Self.accepts(port: port) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw MissingSetup(what: "mosquitto did not listen on 127.0.0.1:\(port) within 10 s")
    }

    /// Kills the broker at once (no clean disconnects), as a crash or a power cut would.
    public func kill() { process?.stop(signal: SIGKILL) }

    deinit { process?.stop() }

    /// A `mosquitto_sub` client printing "<retained> <topic> <payload>" lines to `output`.
    public func subscribe(_ topics: [String], output: URL) throws -> BackgroundProcess {
        try BackgroundProcess(Self.subscriberExecutable,
                              ["-h", "127.0.0.1", "-p", "\(port)", "-F", "%r %t %p"] + topics.flatMap { ["-t", $0] },
                              outputFile: output)
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// One line of `mosquitto_sub -F "%r %t %p"`.
public struct MQTTLine: Sendable, Equatable {
    public var retained: Bool
    public var topic: String
    public var payload: String

    /// The lines written to `file` so far.
    public static func read(_ file: URL) -> [MQTTLine] {
        // FileHandle, not String(contentsOf:): under LeakSanitizer that leaked a 4 KiB read buffer per call (Swift 6.3.1).
        let data = FileHandle(forReadingAtPath: file.path).map { handle in
            defer { try? handle.close() }
            return handle.readDataToEndOfFile()
        } ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            return MQTTLine(retained: parts[0] == "1", topic: String(parts[1]), payload: String(parts[2]))
        }
    }

    /// Polls `file` until `predicate` holds for its lines or the timeout passes.
    @discardableResult
    public static func wait(_ file: URL, timeout: TimeInterval, until predicate: ([MQTTLine]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if predicate(read(file)) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return predicate(read(file))
    }
}
