#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A real AF_UNIX datagram socket standing in for systemd's `$NOTIFY_SOCKET`. Read it one datagram at a time
/// (`receive()`), or have a background thread collect every line (`collect()`), not both.
public final class NotifySocket: @unchecked Sendable {
    public let fd: Int32
    /// What to put in `NOTIFY_SOCKET`: a path, or `@name` in the abstract namespace.
    public let address: String
    private let path: String?
    private let stopped = Atomic<Bool>(false)

    /// - Parameter abstract: bind `@name` in the abstract namespace instead of a path in /tmp.
    public init(abstract: Bool = false) throws {
        let name = "signd-notify-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        path = abstract ? nil : "/tmp/\(name).sock"
        address = abstract ? "@\(name)" : path!
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno)!) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1))
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard rc == 0 else { close(fd); throw POSIXError(.init(rawValue: errno)!) }
        setReceiveTimeout(microseconds: 5_000_000)
    }

    /// The next datagram, or nil after the receive timeout (5 s).
    public func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n < 0 ? nil : String(decoding: buffer.prefix(n), as: UTF8.self)
    }

    /// Collects every line of every datagram on a background thread until the socket is released.
    public func collect() -> Recorder<String> {
        let messages = Recorder<String>()
        setReceiveTimeout(microseconds: 200_000)  // so the thread notices the release promptly
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                guard let datagram = receive() else { continue }
                for line in datagram.split(separator: "\n") { messages.append(String(line)) }
            }
        }
        thread.start()
        return messages
    }

    /// Stops a collecting thread and closes the socket.
    public func release() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        if let path { unlink(path) }
    }

    deinit { release() }

    private func setReceiveTimeout(microseconds: Int) {
        var timeout = timeval(tv_sec: microseconds / 1_000_000, tv_usec: microseconds % 1_000_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }
}
