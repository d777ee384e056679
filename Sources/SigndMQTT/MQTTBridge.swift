import CMosquitto
import Foundation
import Logging
import SigndCore
import SigndEvents

/// Why the bridge could not start, naming the key.
public struct MQTTBridgeError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// Where the broker is and who the bridge is (the `mqtt.*` keys).
public struct MQTTSettings: Sendable {
    public var host: String
    public var port: Int
    public var clientID: String
    public var username: String?
    public var password: String?
    public var keepaliveSeconds: Int
    public var qos: Int
    public init(host: String, port: Int, clientID: String, username: String?, password: String?, keepaliveSeconds: Int, qos: Int) {
        self.host = host
        self.port = port
        self.clientID = clientID
        self.username = username
        self.password = password
        self.keepaliveSeconds = keepaliveSeconds
        self.qos = qos
    }
}

/// Publishes the daemon's events to an MQTT broker through libmosquitto (docs/integrations.md): the signing
/// state, `sign` events with their top-k labels, health, and availability with a last will. libmosquitto's
/// own thread keeps the connection and reconnects with backoff; on every (re)connect the bridge sends
/// `online`, the Home Assistant discovery configs and the current state again, so a broker that restarted
/// without persistence learns everything back. A broker that is down never slows the frame loop:
/// messages go to libmosquitto's queue.
public final class MQTTBridge: EventObserver, Sendable {
    private let session: Session
    // `struct mosquitto *`, owned here; libmosquitto's calls are thread-safe once its loop thread runs.
    private nonisolated(unsafe) let handle: OpaquePointer
    /// Set when the broker was not reachable at start: retries the first connection in the background.
    private let firstConnection: FirstConnection?

    /// mosquitto_lib_init is not thread-safe and is needed once per process: a lazily set constant.
    private static let library: Int32 = mosquitto_lib_init()

    public init(settings: MQTTSettings, topics: MQTTTopics, logger: Logger) throws(MQTTBridgeError) {
        guard Self.library == MOSQ_ERR_SUCCESS.rawValue else {
            throw MQTTBridgeError(description: "mqtt: libmosquitto did not initialise: \(Self.text(Self.library))")
        }
        session = Session(topics: topics, qos: Int32(settings.qos), logger: logger, broker: "\(settings.host):\(settings.port)")
        guard let handle = mosquitto_new(settings.clientID, true, Unmanaged.passUnretained(session).toOpaque()) else {
            throw MQTTBridgeError(description: "mqtt: cannot create a client (out of memory?)")
        }
        self.handle = handle
        session.handle.withLock { $0 = ClientHandle(pointer: handle) }
        do throws(MQTTBridgeError) {
            let offline = Array("offline".utf8)
            try Self.check(mosquitto_will_set(handle, topics.availability, Int32(offline.count), offline, Int32(settings.qos), true), "mqtt: last will")
            if let username = settings.username {
                try Self.check(mosquitto_username_pw_set(handle, username, settings.password), "mqtt.username")
            }
            try Self.check(mosquitto_reconnect_delay_set(handle, 1, 30, true), "mqtt: reconnect delay")
            mosquitto_connect_callback_set(handle) { _, object, code in
                guard let object else { return }
                Unmanaged<Session>.fromOpaque(object).takeUnretainedValue().connected(code: code)
            }
            mosquitto_disconnect_callback_set(handle) { _, object, code in
                guard let object else { return }
                Unmanaged<Session>.fromOpaque(object).takeUnretainedValue().disconnected(code: code)
            }
            let first = mosquitto_connect_async(handle, settings.host, Int32(settings.port), Int32(settings.keepaliveSeconds))
            if first == MOSQ_ERR_SUCCESS.rawValue {
                try Self.check(mosquitto_loop_start(handle), "mqtt: network thread")
                firstConnection = nil
            } else {
                // The broker may start after us (systemd ordering, a restart). libmosquitto's network thread
                // reconnects a connection it once had, not one that never was: until then, we retry.
                logger.warning("mqtt: broker \(settings.host):\(settings.port) not reachable yet (\(Self.text(first))); retrying in the background")
                session.linkDown(Self.text(first))
                firstConnection = FirstConnection(handle: ClientHandle(pointer: handle), settings: settings, session: session)
            }
        } catch {
            mosquitto_destroy(handle)
            throw error
        }
        logger.info("mqtt: publishing to \(settings.host):\(settings.port) under \(topics.base)/")
    }

    public func observe(_ event: Event, frame: Int?) {
        switch event {
        case .state(let state):
            switch state.phase {
            // With heads.confirm_frames a start is tentative: the signing topic waits for the confirmation,
            // and a segment that ends unconfirmed never touches it.
            case .start: if state.confirmed != false { session.setSigning(true) }
            case .confirm: session.setSigning(true)
            case .end: if state.confirmed != false { session.setSigning(false) }
            case .update: break
            }
        case .sign(let sign):
            if let payload = session.topics.signPayload(sign, frame: frame) { session.send(session.topics.sign, payload, retain: false) }
        case .health(let health): session.setHealth(session.topics.healthPayload(health))
        case .frame, .stats, .source: break
        }
    }

    /// Why no message reaches the broker, once that has lasted `graceSeconds` (a connection being set up or
    /// re-established within it is normal); nil while connected. For the daemon's health.
    public func problem(graceSeconds: Double, now: UInt64 = Clock.monotonicNanos()) -> String? {
        session.problem(graceSeconds: graceSeconds, now: now)
    }

    /// Says `offline` (retained), disconnects once the queue is sent, and stops the network thread.
    public func stop() {
        firstConnection?.cancel()
        session.send(session.topics.availability, Array("offline".utf8), retain: true)
        mosquitto_disconnect(handle)
        mosquitto_loop_stop(handle, false)
        session.handle.withLock { $0 = nil }
        mosquitto_destroy(handle)
    }

    static func check(_ code: Int32, _ what: String) throws(MQTTBridgeError) {
        guard code == MOSQ_ERR_SUCCESS.rawValue else { throw MQTTBridgeError(description: "\(what): \(text(code))") }
    }

    static func text(_ code: Int32) -> String { String(cString: mosquitto_strerror(code)) }
}

/// Retries the first connection with backoff (1 s doubling to 30 s) and starts the network thread once it
/// succeeds; `cancel` ends the retries (the daemon stops) and waits for them.
private final class FirstConnection: Sendable {
    private let stopRequested = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(handle: ClientHandle, settings: MQTTSettings, session: Session) {
        Thread { [stopRequested, finished] in
            defer { finished.signal() }
            var delay = 1.0
            while stopRequested.wait(timeout: .now() + delay) == .timedOut {
                let code = mosquitto_connect_async(handle.pointer, settings.host, Int32(settings.port), Int32(settings.keepaliveSeconds))
                if code == MOSQ_ERR_SUCCESS.rawValue {
                    let started = mosquitto_loop_start(handle.pointer)
                    if started != MOSQ_ERR_SUCCESS.rawValue {
                        session.logger.error("mqtt: network thread: \(MQTTBridge.text(started))")
                        session.linkDown("network thread: \(MQTTBridge.text(started))")
                    }
                    return
                }
                session.linkDown(MQTTBridge.text(code))
                delay = min(delay * 2, 30)
            }
        }.start()
    }

    func cancel() {
        stopRequested.signal()
        finished.wait()
    }
}

/// libmosquitto's client, shared between threads as its documentation allows once the loop thread runs.
private struct ClientHandle: @unchecked Sendable { let pointer: OpaquePointer }

/// What the callbacks on libmosquitto's thread and the frame loop share: the handle, the retained state to
/// send again on reconnect, and the logger.
private final class Session: Sendable {
    let topics: MQTTTopics
    let qos: Int32
    let logger: Logger
    let handle = Locked<ClientHandle?>(nil)
    private let retained = Locked<(signing: Bool, health: [UInt8]?, everConnected: Bool)>((false, nil, false))
    /// "host:port", for messages.
    let broker: String
    /// Whether the broker accepted us; if not, since when (monotonic ns) and the latest reason.
    private let link: Locked<(connected: Bool, downSince: UInt64, why: String)>

    init(topics: MQTTTopics, qos: Int32, logger: Logger, broker: String) {
        self.topics = topics
        self.qos = qos
        self.logger = logger
        self.broker = broker
        link = Locked((false, Clock.monotonicNanos(), "connecting"))
    }

    /// Not connected (any more): keeps the time the outage began, updates the reason.
    func linkDown(_ why: String) {
        let now = Clock.monotonicNanos()
        link.withLock { link in
            if link.connected { link.downSince = now }
            link = (false, link.downSince, why)
        }
    }

    func problem(graceSeconds: Double, now: UInt64) -> String? {
        let link = link.withLock { $0 }
        guard !link.connected else { return nil }
        let seconds = Double(now &- link.downSince) / 1e9
        guard seconds >= graceSeconds else { return nil }
        return "mqtt: not connected to the broker \(broker) for \(Int(seconds)) s (\(link.why)); events are not reaching it"
    }

    // The retained state is changed and sent under one lock, and `connected` reads and re-sends it under the
    // same lock: otherwise a reconnect could read ON, the frame loop send OFF, and the resend then leave the
    // stale ON retained on the broker.
    func setSigning(_ signing: Bool) {
        retained.withLock { state in
            state.signing = signing
            send(topics.signing, topics.signingPayload(signing), retain: true)
        }
    }

    func setHealth(_ payload: [UInt8]) {
        retained.withLock { state in
            guard state.health != payload else { return }
            state.health = payload
            send(topics.health, payload, retain: true)
        }
    }

    /// Queues one message; libmosquitto sends it when connected (QoS ≥ 1 messages wait for a reconnect).
    func send(_ topic: String, _ payload: [UInt8], retain: Bool) {
        handle.withLock { handle in
            guard let handle else { return }
            let code = payload.withUnsafeBytes { mosquitto_publish(handle.pointer, nil, topic, Int32($0.count), $0.baseAddress, qos, retain) }
            // Not connected yet: a QoS 0 message is refused; the state is sent again on connect.
            if code != MOSQ_ERR_SUCCESS.rawValue, code != MOSQ_ERR_NO_CONN.rawValue {
                logger.warning("mqtt: could not queue \(topic): \(MQTTBridge.text(code))")
            }
        }
    }

    /// On libmosquitto's thread, after every CONNACK.
    func connected(code: Int32) {
        guard code == 0 else {
            let why = String(cString: mosquitto_connack_string(code))
            logger.error("mqtt: the broker refused the connection: \(why)")
            linkDown("refused: \(why)")
            return
        }
        link.withLock { $0.connected = true }
        let again = retained.withLock { state in
            defer { state.everConnected = true }
            send(topics.availability, Array("online".utf8), retain: true)
            for (topic, payload) in topics.discovery() { send(topic, payload, retain: true) }
            send(topics.signing, topics.signingPayload(state.signing), retain: true)
            if let health = state.health { send(topics.health, health, retain: true) }
            return state.everConnected
        }
        logger.notice(again ? "mqtt: reconnected to the broker" : "mqtt: connected to the broker")
    }

    func disconnected(code: Int32) {
        linkDown(code == 0 ? "disconnected" : MQTTBridge.text(code))
        if code != 0 { logger.warning("mqtt: lost the broker (\(MQTTBridge.text(code))); reconnecting") }
    }
}
