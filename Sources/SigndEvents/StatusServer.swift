import SigndCore
import Foundation

/// What a client that connects late needs to know at once, since PUB/SUB keeps no last value: one camera's
/// current health, its source's state and whether a segment is open. Served by `StatusServer`.
public struct StatusSnapshot: Sendable, Equatable, Codable {
    public var schema = 1
    public var camera: String
    public var health: HealthEvent
    /// opening, open, reconnecting, ended or failed.
    public var source: String
    public var signing: Bool
    /// The open segment (nil while idle) and its first frame.
    public var segment: Int?
    public var segmentStartFrame: Int?
    /// With `heads.confirm_frames` set and a segment open: whether it is confirmed (nil otherwise).
    public var segmentConfirmed: Bool?
    public var framesOut: Int
    public var uptimeSeconds: Double

    public init(camera: String, health: HealthEvent, source: String, signing: Bool, segment: Int?, segmentStartFrame: Int?,
                framesOut: Int, uptimeSeconds: Double, segmentConfirmed: Bool? = nil) {
        self.segmentConfirmed = segmentConfirmed
        self.camera = camera
        self.health = health
        self.source = source
        self.signing = signing
        self.segment = segment
        self.segmentStartFrame = segmentStartFrame
        self.framesOut = framesOut
        self.uptimeSeconds = uptimeSeconds
    }

    enum CodingKeys: String, CodingKey {
        case schema, camera, health, source, signing, segment, segmentStartFrame = "segment_start_frame"
        case segmentConfirmed = "segment_confirmed"
        case framesOut = "frames_out", uptimeSeconds = "uptime_s"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(camera, forKey: .camera)
        try c.encode(health, forKey: .health)
        try c.encode(source, forKey: .source)
        try c.encode(signing, forKey: .signing)
        try c.encode(segment, forKey: .segment)
        try c.encode(segmentStartFrame, forKey: .segmentStartFrame)
        try c.encodeIfPresent(segmentConfirmed, forKey: .segmentConfirmed)
        try c.encode(framesOut, forKey: .framesOut)
        try c.encode(uptimeSeconds, forKey: .uptimeSeconds)
    }
}

/// The status endpoint's answer to a request that names no camera of a daemon with several: which to name.
public struct StatusRefusal: Sendable, Equatable, Codable {
    public var schema = 1
    public var error: String
    public var cameras: [String]

    public init(error: String, cameras: [String]) {
        self.error = error
        self.cameras = cameras
    }
}

/// A REP socket on its own thread that answers every request with the latest `StatusSnapshot` as JSON: of
/// the camera whose id is the request's body, or with one camera, of that camera whatever the body. With
/// several cameras a body that names none gets a `StatusRefusal` listing them. The frame loops only swap
/// their snapshots under a lock; they never wait for a client.
public final class StatusServer: Sendable {
    public let boundEndpoint: String
    private let latest: Locked<[StatusSnapshot]>
    /// Each camera's place in `latest`.
    private let slots: [String: Int]
    private let stopFlag = Locked(false)
    private let done = Locked(false)

    /// - Parameter initial: every camera's first snapshot, at least one, with distinct cameras; a refusal
    ///   lists them in this order.
    public init(endpoint: String, initial: [StatusSnapshot]) throws(ZmqError) {
        precondition(!initial.isEmpty, "a status server serves at least one camera")
        slots = Dictionary(uniqueKeysWithValues: initial.enumerated().map { ($1.camera, $0) })
        let context = try ZmqContext()
        let socket = try ZmqSocket(context: context, kind: .rep)
        try socket.set(.lingerMilliseconds, 0)
        try socket.set(.receiveTimeoutMilliseconds, 200)   // how often the thread looks at the stop flag
        try socket.set(.sendTimeoutMilliseconds, 200)
        try socket.bind(endpoint)
        boundEndpoint = try socket.lastEndpoint()
        let latest = Locked(initial)
        let stopFlag = self.stopFlag, done = self.done
        self.latest = latest
        let box = SocketBox(context: context, socket: socket)
        let encoder = EventMessage.makeEncoder()
        let thread = Thread {
            defer { box.socket.close(); done.withLock { $0 = true } }
            while !stopFlag.withLock({ $0 }) {
                guard let request = (try? box.socket.receiveMultipart()) ?? nil else { continue }
                let reply = Self.reply(to: request.first ?? [], latest.withLock { $0 }, encoder: encoder)
                _ = try? box.socket.send(reply, more: false, dontWait: false)
            }
        }
        thread.name = "signd-status"
        thread.start()
    }

    /// One camera's server.
    public convenience init(endpoint: String, initial: StatusSnapshot) throws(ZmqError) {
        try self.init(endpoint: endpoint, initial: [initial])
    }

    /// Replaces the snapshot of `snapshot.camera`, one of the cameras the server was made with.
    public func update(_ snapshot: StatusSnapshot) {
        guard let slot = slots[snapshot.camera] else { preconditionFailure("status of camera '\(snapshot.camera)', which this server does not serve") }
        latest.withLock { $0[slot] = snapshot }
    }

    static func reply(to body: [UInt8], _ snapshots: [StatusSnapshot], encoder: JSONEncoder) -> [UInt8] {
        let named = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let encoded: Data?
        if let snapshot = snapshots.first(where: { $0.camera == named }) ?? (snapshots.count == 1 ? snapshots[0] : nil) {
            encoded = try? encoder.encode(snapshot)
        } else {
            let cameras = snapshots.map(\.camera)
            encoded = try? encoder.encode(StatusRefusal(error: "name one camera in the request: \(cameras.joined(separator: ", "))", cameras: cameras))
        }
        return encoded.map(Array.init) ?? Array("{}".utf8)
    }

    /// Stops answering and closes the socket; waits up to a second for the thread. Idempotent.
    public func stop() {
        stopFlag.withLock { $0 = true }
        let deadline = Date().addingTimeInterval(1)
        while !done.withLock({ $0 }), Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    }
}

/// The socket and its context go to the server thread, which alone uses them.
private final class SocketBox: @unchecked Sendable {
    let context: ZmqContext
    let socket: ZmqSocket
    init(context: ZmqContext, socket: ZmqSocket) { self.context = context; self.socket = socket }
}
