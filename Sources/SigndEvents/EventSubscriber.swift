import Foundation

/// CURVE credentials of a subscribing client.
public struct CurveClientConfiguration: Sendable, Equatable {
    /// The publisher's public key.
    public var serverPublicKey: CurveKey
    public var clientKeys: CurveKeyPair

    public init(serverPublicKey: CurveKey, clientKeys: CurveKeyPair) {
        self.serverPublicKey = serverPublicKey
        self.clientKeys = clientKeys
    }
}

public enum EventSubscriberError: Error, Sendable, Equatable, CustomStringConvertible {
    case zmq(ZmqError)
    /// A message that is not `[topic, JSON event]` or whose JSON does not decode; `topic` as received.
    case malformed(topic: String, reason: String)

    public var description: String {
        switch self {
        case .zmq(let error): "event subscriber: \(error)"
        case .malformed(let topic, let reason): "event subscriber: malformed message on '\(topic)': \(reason)"
        }
    }
}

/// One message as received.
public struct ReceivedEvent: Sendable, Equatable {
    public var topic: String
    public var message: EventMessage
    /// The JSON bytes exactly as sent.
    public var payload: [UInt8]
}

/// A SUB-socket client of signd's events, for tests, tools and embedding applications. Not thread-safe
/// (one thread receives); blocking receives belong on a dedicated thread, not on the concurrency pool.
public final class EventSubscriber {
    private let socket: ZmqSocket
    private let decoder = JSONDecoder()

    /// Connects to `endpoint` and subscribes to topics starting with `topicPrefix` (`""` or `"signd."`:
    /// everything; `EventTopic.prefix(camera:)`: one camera).
    public init(
        endpoint: String, topicPrefix: String = EventTopic.root + ".", curve: CurveClientConfiguration? = nil,
        receiveHighWaterMark: Int32 = 1000
    ) throws(EventSubscriberError) {
        do throws(ZmqError) {
            socket = try ZmqSocket(context: try ZmqContext(), kind: .sub)
            try socket.set(.lingerMilliseconds, 0)
            try socket.set(.receiveHighWaterMark, receiveHighWaterMark)
            if let curve {
                try socket.set(.curveServerKey, curve.serverPublicKey.bytes)
                try socket.set(.curvePublicKey, curve.clientKeys.publicKey.bytes)
                try socket.set(.curveSecretKey, curve.clientKeys.secretKey.bytes)
            }
            try socket.set(.subscribe, topicPrefix)
            try socket.connect(endpoint)
        } catch {
            throw .zmq(error)
        }
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever) for the next event; nil on timeout.
    public func receive(timeoutMilliseconds: Int32) throws(EventSubscriberError) -> ReceivedEvent? {
        let parts: [[UInt8]]
        do throws(ZmqError) {
            try socket.set(.receiveTimeoutMilliseconds, timeoutMilliseconds)
            guard let received = try socket.receiveMultipart() else { return nil }
            parts = received
        } catch {
            throw .zmq(error)
        }
        let topic = parts.first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard parts.count == 2 else {
            throw .malformed(topic: topic, reason: "expected 2 frames [topic, JSON], got \(parts.count)")
        }
        let message: EventMessage
        do {
            message = try decoder.decode(EventMessage.self, from: Data(parts[1]))
        } catch {
            throw .malformed(topic: topic, reason: "JSON does not decode as an event: \(error)")
        }
        guard message.topic == topic else {
            throw .malformed(topic: topic, reason: "payload is for topic '\(message.topic)'")
        }
        return ReceivedEvent(topic: topic, message: message, payload: parts[1])
    }

    public func close() { socket.close() }
}
