import CZmq

/// A libzmq call that failed, with the operation, errno and `zmq_strerror` text.
public struct ZmqError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done, e.g. `bind tcp://127.0.0.1:5556` or `setsockopt ZMQ_SNDHWM`.
    public var operation: String
    public var code: Int32
    public var message: String

    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
        self.message = String(cString: zmq_strerror(code))
    }

    /// The error of the libzmq call that just failed on this thread.
    static func last(_ operation: String) -> ZmqError {
        ZmqError(operation: operation, code: zmq_errno())
    }

    /// The context was terminated or shut down while the call was in progress.
    public var isTerminated: Bool { code == ETERM }

    public var description: String { "zmq \(operation): \(message) (errno \(code))" }
}
