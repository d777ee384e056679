#if canImport(Glibc)
import Glibc
#endif
import Foundation

public enum SystemdNotifyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `NOTIFY_SOCKET` is neither an absolute path nor an abstract `@name`, or is too long for sockaddr_un.
    case invalidSocketAddress(String, reason: String)
    /// `WATCHDOG_USEC` / `WATCHDOG_PID` is not a positive integer.
    case invalidVariable(name: String, value: String)
    /// socket(2) or sendto(2) failed.
    case system(operation: String, socket: String, errno: Int32)

    public var description: String {
        switch self {
        case .invalidSocketAddress(let address, let reason): "sd_notify: NOTIFY_SOCKET '\(address)' \(reason)"
        case .invalidVariable(let name, let value): "sd_notify: \(name)='\(value)' is not a positive integer"
        case .system(let operation, let socket, let code):
            "sd_notify: \(operation) \(socket): \(String(cString: strerror(code))) (errno \(code))"
        }
    }
}

/// The sd_notify(3) protocol without libsystemd: newline-separated `KEY=value` datagrams sent to the
/// AF_UNIX socket named by `$NOTIFY_SOCKET` (a path, or `@name` for the abstract namespace).
///
/// With no `NOTIFY_SOCKET` (not started by systemd, or `Type=` other than notify) every call is a no-op.
/// Stateless after init and Sendable: call it from any thread (e.g. `watchdog()` from the frame loop).
public struct SystemdNotifier: Sendable {
    /// The socket address from `NOTIFY_SOCKET`, nil when disabled.
    public let socketAddress: String?
    /// `WATCHDOG_USEC` when it applies to this process (`WATCHDOG_PID` absent or equal to our pid); nil when
    /// the service has no watchdog.
    public let watchdogInterval: Duration?

    /// How long one notification may wait when the receiver's queue is full (a datagram socket blocks the
    /// sender then); past it the call throws instead of stalling the caller (e.g. the frame loop).
    public let sendTimeout: Duration

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment, pid: Int32 = getpid(),
        sendTimeout: Duration = .seconds(2)
    ) throws(SystemdNotifyError) {
        self.sendTimeout = sendTimeout
        if let address = environment["NOTIFY_SOCKET"], !address.isEmpty {
            _ = try Self.socketAddress(address)  // validate now, not at the first notification
            socketAddress = address
        } else {
            socketAddress = nil
        }
        var interval: Duration?
        if let text = environment["WATCHDOG_USEC"] {
            guard let usec = UInt64(text), usec > 0 else {
                throw .invalidVariable(name: "WATCHDOG_USEC", value: text)
            }
            interval = .microseconds(Int64(clamping: usec))
            if let pidText = environment["WATCHDOG_PID"] {
                guard let watchdogPid = Int32(pidText), watchdogPid > 0 else {
                    throw .invalidVariable(name: "WATCHDOG_PID", value: pidText)
                }
                if watchdogPid != pid { interval = nil }  // meant for another process (e.g. our parent)
            }
        }
        watchdogInterval = interval
    }

    private init(socketAddress: String?, watchdogInterval: Duration?) {
        self.sendTimeout = .zero
        self.socketAddress = socketAddress
        self.watchdogInterval = watchdogInterval
    }

    /// A notifier that does nothing.
    public static let disabled = SystemdNotifier(socketAddress: nil, watchdogInterval: nil)

    public var isEnabled: Bool { socketAddress != nil }

    /// How often to call `watchdog()`: half the interval, as sd_watchdog_enabled(3) recommends.
    public var watchdogPingInterval: Duration? { watchdogInterval.map { $0 / 2 } }

    /// Start-up finished (`READY=1`), optionally with a status line.
    public func ready(status: String? = nil) throws(SystemdNotifyError) {
        try notify([("READY", "1")] + (status.map { [("STATUS", $0)] } ?? []))
    }

    /// A free-form status line shown by `systemctl status`.
    public func status(_ text: String) throws(SystemdNotifyError) {
        try notify([("STATUS", text)])
    }

    /// Keep-alive ping (`WATCHDOG=1`); send it every `watchdogPingInterval` while the service is healthy.
    public func watchdog() throws(SystemdNotifyError) {
        try notify([("WATCHDOG", "1")])
    }

    /// Shutdown began (`STOPPING=1`).
    public func stopping(status: String? = nil) throws(SystemdNotifyError) {
        try notify([("STOPPING", "1")] + (status.map { [("STATUS", $0)] } ?? []))
    }

    /// Configuration reload began (`RELOADING=1` with `MONOTONIC_USEC`, as systemd ≥ 253 expects);
    /// send `ready()` when done.
    public func reloading() throws(SystemdNotifyError) {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let usec = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
        try notify([("RELOADING", "1"), ("MONOTONIC_USEC", String(usec))])
    }

    /// Asks systemd for more time for the current start-up/shutdown step (`EXTEND_TIMEOUT_USEC`).
    public func extendTimeout(by duration: Duration) throws(SystemdNotifyError) {
        let usec = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        try notify([("EXTEND_TIMEOUT_USEC", String(max(usec, 0)))])
    }

    /// Sends the given assignments as one datagram. Newlines in values are replaced by spaces (a newline
    /// would start a new assignment). A no-op when disabled.
    public func notify(_ fields: [(String, String)]) throws(SystemdNotifyError) {
        guard let socketAddress else { return }
        let text = fields.map { "\($0.0)=\($0.1.replacingOccurrences(of: "\n", with: " "))" }.joined(separator: "\n")
        try Self.send(Array(text.utf8), to: socketAddress, timeout: sendTimeout)
    }

    // MARK: socket

    /// Builds sockaddr_un for a path or an abstract `@name`; returns it with its length.
    static func socketAddress(_ address: String) throws(SystemdNotifyError) -> (sockaddr_un, socklen_t) {
        var bytes = Array(address.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract {
            bytes[0] = 0  // abstract namespace: a leading NUL, the name is not NUL-terminated
        } else if bytes.first != UInt8(ascii: "/") {
            throw .invalidSocketAddress(address, reason: "is neither an absolute path nor an abstract @name")
        }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity, bytes.count > 1 else {
            throw .invalidSocketAddress(address, reason: "must be 2…\(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1)
        return (addr, socklen_t(length))
    }

    static func send(_ message: [UInt8], to address: String, timeout: Duration) throws(SystemdNotifyError) {
        var (addr, length) = try socketAddress(address)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(operation: "socket", socket: address, errno: errno) }
        defer { close(fd) }
        let (seconds, attoseconds) = timeout.components
        var tv = timeval(tv_sec: Int(max(seconds, 0)), tv_usec: Int(max(attoseconds, 0) / 1_000_000_000_000))
        if tv.tv_sec == 0 && tv.tv_usec == 0 { tv.tv_usec = 1 }  // 0 would mean "block forever"
        if setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size)) != 0 {
            throw .system(operation: "setsockopt SO_SNDTIMEO", socket: address, errno: errno)
        }
        while true {
            let sent = message.withUnsafeBytes { buffer in
                withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), $0, length)
                    }
                }
            }
            if sent >= 0 { return }
            if errno == EINTR { continue }
            throw .system(operation: "sendto", socket: address, errno: errno)
        }
    }
}
