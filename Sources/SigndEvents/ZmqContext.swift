import CZmq

/// A libzmq context (I/O threads plus the inproc namespace). libzmq contexts are thread-safe.
///
/// Sockets keep their context alive; `zmq_ctx_term` runs when the last reference goes, which is after every
/// socket made from it has been closed, so it cannot hang on an open socket of ours.
public final class ZmqContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init() throws(ZmqError) {
        guard let handle = zmq_ctx_new() else { throw ZmqError.last("zmq_ctx_new") }
        self.handle = handle
    }

    /// Makes every blocking call on this context's sockets return ETERM (used to stop helper threads).
    /// Sockets must still be closed; the context is terminated when released.
    public func shutdown() {
        _ = zmq_ctx_shutdown(handle)
    }

    deinit {
        while zmq_ctx_term(handle) == -1 && zmq_errno() == EINTR {}
    }
}
