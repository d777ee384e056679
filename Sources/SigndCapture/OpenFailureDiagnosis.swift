import Foundation

/// Why a source did not open, where the cause can be found out: OpenCV says only "could not open" for
/// every failure, while an operator needs to know whether the camera is absent, the server refuses, the
/// network times out, or the file is not a video. Probes run only after an open failed.
enum OpenFailureDiagnosis {
    /// A short cause to put before OpenCV's text, or nil when nothing more specific is known.
    static func cause(of spec: SourceSpec, timeoutMillis: Int) -> String? {
        switch spec {
        case .file(let path):
            return fileCause(path)
        case .device(let path):
            return deviceCause(path)
        case .camera(let index):
            return deviceCause("/dev/video\(index)")
        case .network(let url):
            return networkCause(url, timeoutMillis: timeoutMillis)
        }
    }

    private static func deviceCause(_ path: String) -> String? {
        if !FileManager.default.fileExists(atPath: path) { return "\(path) does not exist (camera unplugged or not enumerated yet)" }
        if access(path, R_OK | W_OK) != 0 { return "no permission to open \(path) (the service user needs the video group)" }
        return nil
    }

    private static func fileCause(_ path: String) -> String? {
        guard access(path, R_OK) == 0 else { return "no permission to read the file" }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        if size == 0 { return "the file is empty" }
        return "not a video that OpenCV's FFmpeg can decode (wrong format, unsupported codec or corrupt header)"
    }

    /// Resolves the host and tries a TCP connection to its port (554 for rtsp, 80/443 for http/https).
    private static func networkCause(_ url: String, timeoutMillis: Int) -> String? {
        guard let components = URLComponents(string: url), let host = components.host, let scheme = components.scheme else { return nil }
        let port = components.port ?? ["rtsp": 554, "rtsps": 322, "http": 80, "https": 443][scheme.lowercased()] ?? 554
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return "host '\(host)' not found" }
        defer { freeaddrinfo(result) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 { return "\(host):\(port) accepts connections, but the stream did not open (wrong path or credentials, or not a stream)" }
        guard errno == EINPROGRESS else { return describe(errno, host: host, port: port) }
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&poller, 1, Int32(min(max(timeoutMillis, 100), 5000)))
        if ready == 0 { return "no answer from \(host):\(port) (timed out: host down, wrong address or a firewall)" }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        if error != 0 { return describe(error, host: host, port: port) }
        return "\(host):\(port) accepts connections, but the stream did not open (wrong path or credentials, or not a stream)"
    }

    private static func describe(_ code: Int32, host: String, port: Int) -> String {
        switch code {
        case ECONNREFUSED: "connection to \(host):\(port) refused (nothing listens there: server down or wrong port)"
        case ENETUNREACH, EHOSTUNREACH: "\(host) unreachable (no route: network down or wrong address)"
        case ETIMEDOUT: "no answer from \(host):\(port) (timed out)"
        default: "\(host):\(port): \(String(cString: strerror(code)))"
        }
    }
}
