import CZmq
import Foundation
import SigndCore

/// CURVE encryption and client authentication for the publisher.
public struct CurveServerConfiguration: Sendable, Equatable {
    public enum Clients: Sendable, Equatable {
        /// Only clients whose public key is listed may connect (checked by a ZAP handler).
        case allowList(Set<CurveKey>)
        /// Any client that knows the server's public key may connect (encryption without client checks).
        case any
    }

    public var secretKey: CurveKey
    public var clients: Clients

    public init(secretKey: CurveKey, clients: Clients) {
        self.secretKey = secretKey
        self.clients = clients
    }
}

/// Settings of an `EventPublisher`.
public struct EventPublisherConfiguration: Sendable, Equatable {
    /// How a subscriber that does not keep up loses events.
    public enum DropMode: Sendable, Equatable {
        /// ZeroMQ's PUB default: each subscriber's queue holds up to the high-water mark and further events
        /// are dropped for that subscriber only. Others are unaffected; the publisher cannot see or count
        /// these drops (subscribers see them as `seq` gaps).
        case perSubscriber
        /// `ZMQ_XPUB_NODROP`: when any matching subscriber's queue is full the event is not queued for anyone,
        /// and the publisher counts it in `statistics.dropped`. One stalled subscriber then starves all.
        case wholeMessage
    }

    /// Camera id, the middle part of every topic.
    public var camera: String
    /// Where to bind, e.g. `tcp://*:5556`, `tcp://127.0.0.1:5556`, `ipc:///run/signd/events`.
    public var endpoints: [String]
    /// Per-subscriber queue bound (ZMQ_SNDHWM), messages.
    public var sendHighWaterMark: Int
    /// How long closing waits to flush queued events (ZMQ_LINGER), ms.
    public var lingerMilliseconds: Int
    public var dropMode: DropMode
    public var curve: CurveServerConfiguration?

    public init(
        camera: String, endpoints: [String], sendHighWaterMark: Int = 1000, lingerMilliseconds: Int = 100,
        dropMode: DropMode = .perSubscriber, curve: CurveServerConfiguration? = nil
    ) {
        self.camera = camera
        self.endpoints = endpoints
        self.sendHighWaterMark = sendHighWaterMark
        self.lingerMilliseconds = lingerMilliseconds
        self.dropMode = dropMode
        self.curve = curve
    }
}

public enum EventPublisherError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidCamera(String, reason: String)
    case noEndpoints
    /// An endpoint that is not `tcp://…` or `ipc://…` (or `inproc://…`).
    case unsupportedEndpoint(String)
    case invalidSetting(name: String, value: Int, reason: String)
    case curve(CurveError)
    /// A libzmq call failed (creating the socket, setting an option, binding an endpoint).
    case zmq(ZmqError)
    /// A `frame` event needs the frame index.
    case missingFrameIndex(EventKind)
    /// The payload cannot be written as JSON, typically a NaN or infinite number in `field`.
    case encoding(kind: EventKind, field: String, reason: String)
    case closed

    public var description: String {
        switch self {
        case .invalidCamera(let camera, let reason): "event publisher: camera id '\(camera)' \(reason)"
        case .noEndpoints: "event publisher: no endpoints to bind"
        case .unsupportedEndpoint(let e): "event publisher: endpoint '\(e)' is not tcp://, ipc:// or inproc://"
        case .invalidSetting(let name, let value, let reason): "event publisher: \(name)=\(value) \(reason)"
        case .curve(let error): "event publisher: \(error)"
        case .zmq(let error): "event publisher: \(error)"
        case .missingFrameIndex(let kind): "event publisher: a '\(kind.rawValue)' event needs a frame index"
        case .encoding(let kind, let field, let reason):
            "event publisher: cannot encode '\(kind.rawValue)' event field '\(field)': \(reason)"
        case .closed: "event publisher: already closed"
        }
    }
}

/// What happened to one published event.
public enum PublishOutcome: Sendable, Equatable {
    /// Handed to ZeroMQ (it may still be dropped later for a slow subscriber in `.perSubscriber` mode).
    case queued(seq: UInt64)
    /// Not queued because a subscriber's queue was full (`.wholeMessage` mode); counted in `dropped`.
    case dropped(seq: UInt64)

    public var seq: UInt64 {
        switch self {
        case .queued(let seq), .dropped(let seq): seq
        }
    }
}

/// Counters of one publisher run.
public struct PublisherStatistics: Sendable, Equatable {
    /// Events handed to ZeroMQ.
    public var queued: UInt64 = 0
    /// Events that could not be queued (only observable in `.wholeMessage` mode).
    public var dropped: UInt64 = 0
    /// CURVE handshakes the allow-list accepted / refused.
    public var curveClientsAccepted: UInt64 = 0
    public var curveClientsRejected: UInt64 = 0
    /// Events published per kind, all cameras together (with one camera: the next `seq` of that topic).
    public var published: [EventKind: UInt64] = [:]
}

/// Publishes events as `[topic, JSON]` multipart messages on a ZeroMQ PUB socket.
///
/// Thread-safe: `publish` may be called from any thread (the frame loop, a stats timer); calls are
/// serialized by a lock, so per-topic `seq` numbers and timestamps are in wire order. `publish` never waits
/// for subscribers: ZeroMQ queues at most `sendHighWaterMark` messages per subscriber and drops beyond that.
public final class EventPublisher: Sendable {
    public let configuration: EventPublisherConfiguration
    /// The bound endpoints as ZeroMQ reports them (wildcard ports resolved), in configuration order.
    public var boundEndpoints: [String] { state.withLock { $0.bound.map(\.resolved) } }
    /// The server's public key, which CURVE clients need (nil without CURVE).
    public let curvePublicKey: CurveKey?

    private struct State {
        var context: ZmqContext?
        var socket: ZmqSocket?
        var authenticator: ZapAuthenticator?
        let encoder = EventMessage.makeEncoder()
        /// Per topic (camera and kind): the next `seq`.
        var nextSeq: [[UInt8]: UInt64] = [:]
        /// Per kind, all cameras together.
        var published: [EventKind: UInt64] = [:]
        /// Each camera's topics, made on its first event.
        var topics: [String: [EventKind: [UInt8]]] = [:]
        var queued: UInt64 = 0
        var dropped: UInt64 = 0
        /// Configured endpoint → what ZeroMQ bound (a wildcard port resolved), in order.
        var bound: [(configured: String, resolved: String)] = []
    }

    private let state: Locked<State>

    public init(configuration: EventPublisherConfiguration) throws(EventPublisherError) {
        if let reason = EventTopic.validateCamera(configuration.camera) {
            throw .invalidCamera(configuration.camera, reason: reason)
        }
        if configuration.endpoints.isEmpty { throw .noEndpoints }
        for endpoint in configuration.endpoints
        where !["tcp://", "ipc://", "inproc://"].contains(where: { endpoint.hasPrefix($0) }) {
            throw .unsupportedEndpoint(endpoint)
        }
        guard (1...1_000_000).contains(configuration.sendHighWaterMark) else {
            throw .invalidSetting(
                name: "send_high_water_mark", value: configuration.sendHighWaterMark,
                reason: "must be 1…1000000 (0 would mean unbounded)")
        }
        guard (0...60_000).contains(configuration.lingerMilliseconds) else {
            throw .invalidSetting(
                name: "linger_ms", value: configuration.lingerMilliseconds, reason: "must be 0…60000")
        }

        let context: ZmqContext
        let socket: ZmqSocket
        var authenticator: ZapAuthenticator?
        var curvePublicKey: CurveKey?
        var bound: [(configured: String, resolved: String)] = []
        do {
            context = try ZmqContext()
            if let curve = configuration.curve {
                do {
                    try CurveError.requireCurve()
                    curvePublicKey = try curve.secretKey.derivedPublicKey()
                } catch {
                    throw EventPublisherError.curve(error)
                }
                // The ZAP handler must be listening before the PUB socket can accept a CURVE handshake.
                if case .allowList(let keys) = curve.clients {
                    authenticator = try ZapAuthenticator(context: context, allowedClients: keys)
                }
            }
            socket = try ZmqSocket(context: context, kind: .pub)
            try socket.set(.sendHighWaterMark, Int32(configuration.sendHighWaterMark))
            try socket.set(.lingerMilliseconds, Int32(configuration.lingerMilliseconds))
            // Bounds the wait for a multipart message's second frame; see `send`.
            try socket.set(.sendTimeoutMilliseconds, 100)
            if configuration.dropMode == .wholeMessage { try socket.set(.xpubNoDrop, 1) }
            if let curve = configuration.curve {
                try socket.set(.curveServer, 1)
                try socket.set(.curveSecretKey, curve.secretKey.bytes)
                try socket.set(.zapDomain, "signd")
            }
            for endpoint in configuration.endpoints {
                try socket.bind(endpoint)
                bound.append((endpoint, try socket.lastEndpoint()))
            }
        } catch let error as ZmqError {
            authenticator?.stop()
            throw .zmq(error)
        } catch let error as EventPublisherError {
            authenticator?.stop()
            throw error
        } catch {
            authenticator?.stop()
            throw .zmq(ZmqError(operation: "setup: \(error)", code: EINVAL))
        }

        self.configuration = configuration
        self.curvePublicKey = curvePublicKey
        var initial = State(context: context, socket: socket, authenticator: authenticator)
        initial.bound = bound
        self.state = Locked(initial)
    }

    /// Moves the socket to a new endpoint list (a config reload): endpoints that stay keep their
    /// subscribers, new ones are bound first (so a failure leaves the old list in place), and dropped ones
    /// are unbound. Sequence numbers go on. Returns the bound endpoints.
    @discardableResult
    public func rebind(to endpoints: [String]) throws(EventPublisherError) -> [String] {
        if endpoints.isEmpty { throw .noEndpoints }
        for endpoint in endpoints where !["tcp://", "ipc://", "inproc://"].contains(where: { endpoint.hasPrefix($0) }) {
            throw .unsupportedEndpoint(endpoint)
        }
        return try state.withLock { state throws(EventPublisherError) -> [String] in
            guard let socket = state.socket else { throw .closed }
            var next: [(configured: String, resolved: String)] = []
            var added: [String] = []
            do throws(ZmqError) {
                for endpoint in endpoints {
                    if let kept = state.bound.first(where: { $0.configured == endpoint }) {
                        next.append(kept)
                        continue
                    }
                    try socket.bind(endpoint)
                    let resolved = try socket.lastEndpoint()
                    added.append(resolved)
                    next.append((endpoint, resolved))
                }
                for old in state.bound where !endpoints.contains(old.configured) { try socket.unbind(old.resolved) }
            } catch {
                for resolved in added { try? socket.unbind(resolved) }
                throw .zmq(error)
            }
            state.bound = next
            return next.map(\.resolved)
        }
    }

    deinit { close() }

    /// Publishes one event. `frame` is the frame index it refers to (required for `.frame` events; nil for
    /// stats, health and source events). Never blocks on subscribers.
    ///
    /// A `seq` number is used up by every event that reaches the socket, queued or dropped; an event that
    /// fails to encode (e.g. a NaN probability) throws and uses none.
    @discardableResult
    public func publish(_ event: Event, frame: Int?) throws(EventPublisherError) -> PublishOutcome {
        try publish(event, frame: frame, camera: configuration.camera)
    }

    /// Publishes as `camera`: its own topics `signd.<camera>.<kind>` and `seq` counters, on this publisher's
    /// sockets (several cameras in one process share one publisher).
    @discardableResult
    public func publish(_ event: Event, frame: Int?, camera: String) throws(EventPublisherError) -> PublishOutcome {
        if event.kind == .frame && frame == nil { throw .missingFrameIndex(.frame) }
        return try state.withLock { state throws(EventPublisherError) -> PublishOutcome in
            guard let socket = state.socket else { throw .closed }
            let topic: [UInt8]
            if let known = state.topics[camera]?[event.kind] {
                topic = known
            } else {
                if let reason = EventTopic.validateCamera(camera) { throw .invalidCamera(camera, reason: reason) }
                var made: [EventKind: [UInt8]] = [:]
                for kind in EventKind.allCases { made[kind] = Array(EventTopic.topic(camera: camera, kind: kind).utf8) }
                state.topics[camera] = made
                topic = made[event.kind]!
            }
            let seq = state.nextSeq[topic, default: 0]
            let message = EventMessage(
                envelope: EventEnvelope(
                    kind: event.kind, seq: seq, frame: frame, monoNanos: Clock.monotonicNanos(),
                    wall: Clock.wallSeconds(), camera: camera),
                event: event)
            let payload: [UInt8]
            do {
                payload = Array(try state.encoder.encode(message))
            } catch {
                throw Self.describeEncodingError(error, kind: event.kind)
            }
            state.nextSeq[topic] = seq + 1
            state.published[event.kind, default: 0] += 1
            do throws(ZmqError) {
                // ZMQ_DONTWAIT on the topic frame: a plain PUB never refuses it; with XPUB_NODROP it refuses
                // when a subscriber is full, and then nothing of the message was queued.
                if try socket.send(topic, more: true, dontWait: true) == .wouldBlock {
                    state.dropped += 1
                    return .dropped(seq: seq)
                }
                // Once the first frame is accepted, libzmq accepts the rest of the message (the high-water
                // check counts whole messages); the send timeout bounds the wait should that ever change.
                if try socket.send(payload, more: false, dontWait: false) == .wouldBlock {
                    state.dropped += 1
                    return .dropped(seq: seq)
                }
            } catch {
                throw .zmq(error)
            }
            state.queued += 1
            return .queued(seq: seq)
        }
    }

    public var statistics: PublisherStatistics {
        state.withLock { state in
            PublisherStatistics(
                queued: state.queued, dropped: state.dropped,
                curveClientsAccepted: state.authenticator?.acceptedCount ?? 0,
                curveClientsRejected: state.authenticator?.rejectedCount ?? 0,
                published: state.published)
        }
    }

    public var isClosed: Bool { state.withLock { $0.socket == nil } }

    /// Closes the socket (queued events get up to `lingerMilliseconds` to leave), stops the ZAP handler and
    /// terminates the context. Later `publish` calls throw `.closed`. Idempotent.
    public func close() {
        state.withLock { state in
            guard let socket = state.socket else { return }
            socket.close()
            state.socket = nil
            state.authenticator?.stop()
            state.authenticator = nil
            state.context = nil  // zmq_ctx_term: waits at most the linger period
        }
    }

    private static func describeEncodingError(_ error: any Error, kind: EventKind) -> EventPublisherError {
        if let error = error as? EncodingError, case .invalidValue(let value, let context) = error {
            let field = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".")
            return .encoding(kind: kind, field: field, reason: "\(value) is not representable in JSON")
        }
        return .encoding(kind: kind, field: "", reason: "\(error)")
    }
}
