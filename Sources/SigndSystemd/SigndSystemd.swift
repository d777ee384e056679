// TEMPORARY (lead): minimal notifier so the daemon builds until the events helper's version lands.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class SystemdNotifier: Sendable {
    private let path: String
    public let watchdogInterval: Duration?

    public static func fromEnvironment() -> SystemdNotifier? {
        let env = ProcessInfo.processInfo.environment
        guard let path = env["NOTIFY_SOCKET"], !path.isEmpty else { return nil }
        let interval = env["WATCHDOG_USEC"].flatMap(Int.init).map { Duration.microseconds($0) }
        return SystemdNotifier(path: path, watchdogInterval: interval)
    }

    init(path: String, watchdogInterval: Duration?) { self.path = path; self.watchdogInterval = watchdogInterval }

    public func ready() { send("READY=1") }
    public func watchdog() { send("WATCHDOG=1") }
    public func stopping() { send("STOPPING=1") }
    public func status(_ text: String) { send("STATUS=\(text)") }

    private func send(_ message: String) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1)); raw.copyBytes(from: bytes); raw[bytes.count] = 0
        }
        _ = message.withCString { text in
            withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, text, strlen(text), 0, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        }
    }
}
