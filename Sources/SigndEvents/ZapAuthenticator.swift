import CZmq
import Foundation
import Synchronization

/// A ZAP (ZeroMQ Authentication Protocol, RFC 27) handler that admits only CURVE clients whose public key is
/// on an allow-list. It serves `inproc://zeromq.zap.01` of one context from its own thread; libzmq asks it
/// about every CURVE handshake on that context's sockets.
///
/// There can be one per context, and it must be started before any CURVE socket of that context accepts a
/// connection. `stop()` shuts the context down (that is how the blocking receive is interrupted), so the
/// context must be one its owner is finishing with.
final class ZapAuthenticator: Sendable {
    static let endpoint = "inproc://zeromq.zap.01"

    private let context: ZmqContext
    private let finished = DispatchSemaphore(value: 0)
    private let counters = Counters()

    final class Counters: Sendable {
        let accepted = Atomic<UInt64>(0)
        let rejected = Atomic<UInt64>(0)
    }

    /// Binds the handler's socket on the calling thread (so a bind error is thrown here) and starts serving.
    init(context: ZmqContext, allowedClients: Set<CurveKey>) throws(ZmqError) {
        self.context = context
        let socket = try ZmqSocket(context: context, kind: .rep)
        try socket.set(.lingerMilliseconds, 0)
        try socket.bind(Self.endpoint)
        let allowed = Set(allowedClients.map(\.bytes))
        let counters = self.counters
        let finished = self.finished
        // The socket moves to the handler thread and is used only there from now on; libzmq allows a socket
        // to change threads across a full memory barrier, which starting the thread is.
        nonisolated(unsafe) let handoff = socket
        let thread = Thread {
            Self.serve(socket: handoff, allowed: allowed, counters: counters)
            handoff.close()
            finished.signal()
        }
        thread.name = "signd-zap"
        thread.start()
    }

    var acceptedCount: UInt64 { counters.accepted.load(ordering: .relaxed) }
    var rejectedCount: UInt64 { counters.rejected.load(ordering: .relaxed) }

    /// Interrupts the handler (by shutting the context down) and waits until its thread has closed its socket.
    func stop() {
        context.shutdown()
        finished.wait()
    }

    private static func serve(socket: ZmqSocket, allowed: Set<[UInt8]>, counters: Counters) {
        while true {
            let request: [[UInt8]]
            do {
                guard let parts = try socket.receiveMultipart() else { continue }
                request = parts
            } catch {
                return  // ETERM: the context is shutting down
            }
            let reply = Self.reply(to: request, allowed: allowed)
            if reply.accepted {
                counters.accepted.add(1, ordering: .relaxed)
            } else {
                counters.rejected.add(1, ordering: .relaxed)
            }
            do {
                try socket.sendMultipart(reply.parts)
            } catch {
                return
            }
        }
    }

    /// Request: version, request id, domain, address, routing id, mechanism, credentials…
    /// Reply: version, request id, status code, status text, user id, metadata.
    static func reply(to request: [[UInt8]], allowed: Set<[UInt8]>) -> (parts: [[UInt8]], accepted: Bool) {
        let version = Array("1.0".utf8)
        guard request.count >= 6, request[0] == version else {
            // Malformed: answer with whatever request id there is so that libzmq fails the handshake cleanly.
            let id = request.count > 1 ? request[1] : []
            return ([version, id, Array("500".utf8), Array("malformed ZAP request".utf8), [], []], false)
        }
        let id = request[1]
        let mechanism = String(decoding: request[5], as: UTF8.self)
        if mechanism == "CURVE", request.count >= 7, allowed.contains(request[6]) {
            return ([version, id, Array("200".utf8), Array("OK".utf8), [], []], true)
        }
        return ([version, id, Array("400".utf8), Array("client key not allowed".utf8), [], []], false)
    }
}
