import CZmq

/// One libzmq socket. Like the libzmq sockets it wraps, it is not thread-safe: use it from one thread at a
/// time (the publisher keeps its socket behind a lock).
public final class ZmqSocket {
    public enum Kind: Sendable {
        case pub, sub, rep, req, pair

        var rawValue: Int32 {
            switch self {
            case .pub: ZMQ_PUB
            case .sub: ZMQ_SUB
            case .rep: ZMQ_REP
            case .req: ZMQ_REQ
            case .pair: ZMQ_PAIR
            }
        }
    }

    /// Integer-valued socket options this project uses.
    public enum IntOption: Sendable {
        case sendHighWaterMark, receiveHighWaterMark, lingerMilliseconds
        case sendTimeoutMilliseconds, receiveTimeoutMilliseconds
        case curveServer, xpubNoDrop, immediate

        var rawValue: Int32 {
            switch self {
            case .sendHighWaterMark: ZMQ_SNDHWM
            case .receiveHighWaterMark: ZMQ_RCVHWM
            case .lingerMilliseconds: ZMQ_LINGER
            case .sendTimeoutMilliseconds: ZMQ_SNDTIMEO
            case .receiveTimeoutMilliseconds: ZMQ_RCVTIMEO
            case .curveServer: ZMQ_CURVE_SERVER
            case .xpubNoDrop: ZMQ_XPUB_NODROP
            case .immediate: ZMQ_IMMEDIATE
            }
        }
    }

    /// Byte-valued socket options this project uses. CURVE keys are given as 32 raw bytes.
    public enum BytesOption: Sendable {
        case subscribe, unsubscribe, zapDomain
        case curveSecretKey, curvePublicKey, curveServerKey

        var rawValue: Int32 {
            switch self {
            case .subscribe: ZMQ_SUBSCRIBE
            case .unsubscribe: ZMQ_UNSUBSCRIBE
            case .zapDomain: ZMQ_ZAP_DOMAIN
            case .curveSecretKey: ZMQ_CURVE_SECRETKEY
            case .curvePublicKey: ZMQ_CURVE_PUBLICKEY
            case .curveServerKey: ZMQ_CURVE_SERVERKEY
            }
        }
    }

    /// The result of a non-blocking send.
    public enum SendOutcome: Sendable, Equatable {
        case sent
        /// The socket could not take the message now (EAGAIN): nothing was queued.
        case wouldBlock
    }

    public let kind: Kind
    private let context: ZmqContext  // keeps the context alive while this socket exists
    private var handle: UnsafeMutableRawPointer?

    public init(context: ZmqContext, kind: Kind) throws(ZmqError) {
        guard let handle = zmq_socket(context.handle, kind.rawValue) else { throw ZmqError.last("zmq_socket") }
        self.context = context
        self.kind = kind
        self.handle = handle
    }

    deinit { close() }

    /// Closes the socket; pending outgoing messages are kept for at most the linger period by the context.
    public func close() {
        if let handle {
            _ = zmq_close(handle)
            self.handle = nil
        }
    }

    public var isClosed: Bool { handle == nil }

    private func open(_ operation: String) throws(ZmqError) -> UnsafeMutableRawPointer {
        guard let handle else { throw ZmqError(operation: operation, code: ENOTSOCK) }
        return handle
    }

    public func set(_ option: IntOption, _ value: Int32) throws(ZmqError) {
        let socket = try open("setsockopt \(option)")
        var value = value
        if zmq_setsockopt(socket, option.rawValue, &value, MemoryLayout<Int32>.size) != 0 {
            throw ZmqError.last("setsockopt \(option)=\(value)")
        }
    }

    public func set(_ option: BytesOption, _ bytes: [UInt8]) throws(ZmqError) {
        let socket = try open("setsockopt \(option)")
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(socket, option.rawValue, $0.baseAddress, $0.count) }
        if rc != 0 { throw ZmqError.last("setsockopt \(option)") }
    }

    public func set(_ option: BytesOption, _ string: String) throws(ZmqError) {
        try set(option, Array(string.utf8))
    }

    public func bind(_ endpoint: String) throws(ZmqError) {
        let socket = try open("bind \(endpoint)")
        if zmq_bind(socket, endpoint) != 0 { throw ZmqError.last("bind \(endpoint)") }
    }

    public func unbind(_ endpoint: String) throws(ZmqError) {
        let socket = try open("unbind \(endpoint)")
        if zmq_unbind(socket, endpoint) != 0 { throw ZmqError.last("unbind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws(ZmqError) {
        let socket = try open("connect \(endpoint)")
        if zmq_connect(socket, endpoint) != 0 { throw ZmqError.last("connect \(endpoint)") }
    }

    /// The endpoint of the last bind, with wildcards resolved (`tcp://127.0.0.1:*` → the chosen port).
    public func lastEndpoint() throws(ZmqError) -> String {
        let socket = try open("getsockopt ZMQ_LAST_ENDPOINT")
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        if zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, &buffer, &size) != 0 {
            throw ZmqError.last("getsockopt ZMQ_LAST_ENDPOINT")
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Sends one frame. With `dontWait`, returns `.wouldBlock` instead of waiting when the socket cannot
    /// take it (for PUB only in `ZMQ_XPUB_NODROP` mode; a plain PUB drops silently at its high-water mark).
    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = true) throws(ZmqError) -> SendOutcome {
        let socket = try open("send")
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        while true {
            let rc = bytes.withUnsafeBytes { zmq_send(socket, $0.baseAddress, $0.count, flags) }
            if rc >= 0 { return .sent }
            let code = zmq_errno()
            if code == EINTR { continue }
            if code == EAGAIN { return .wouldBlock }
            throw ZmqError(operation: "send", code: code)
        }
    }

    /// Receives one whole multipart message. Returns nil when the receive timeout
    /// (`receiveTimeoutMilliseconds`) passes first, or at once with `dontWait` when nothing is queued.
    public func receiveMultipart(dontWait: Bool = false) throws(ZmqError) -> [[UInt8]]? {
        let socket = try open("receive")
        var parts: [[UInt8]] = []
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while true {
            // Only the first frame may time out; the rest of a multipart message is already queued.
            let flags = parts.isEmpty && dontWait ? ZMQ_DONTWAIT : 0
            let rc = zmq_msg_recv(&message, socket, flags)
            if rc < 0 {
                let code = zmq_errno()
                if code == EINTR { continue }
                if code == EAGAIN && parts.isEmpty { return nil }
                throw ZmqError(operation: "receive", code: code)
            }
            let size = zmq_msg_size(&message)
            if size == 0 {
                parts.append([])
            } else {
                let data = zmq_msg_data(&message)!.assumingMemoryBound(to: UInt8.self)
                parts.append(Array(UnsafeBufferPointer(start: data, count: size)))
            }
            if zmq_msg_more(&message) == 0 { return parts }
        }
    }

    /// Sends a multipart message, blocking as the socket type requires (used by the ZAP handler's REP).
    public func sendMultipart(_ parts: [[UInt8]]) throws(ZmqError) {
        for (i, part) in parts.enumerated() {
            try send(part, more: i < parts.count - 1, dontWait: false)
        }
    }
}
