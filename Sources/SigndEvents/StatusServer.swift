import SigndCore
import Foundation

/// What a client that connects late needs to know at once, since PUB/SUB keeps no last value: the
/// current health, the source's state and whether a segment is open. Served by `StatusServer`.
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
    public var framesOut: Int
    public var uptimeSeconds: Double

    public init(camera: String, health: HealthEvent, source: String, signing: Bool, segment: Int?, segmentStartFrame: Int?,
                framesOut: Int, uptimeSeconds: Double) {
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
        try c.encode(framesOut, forKey: .framesOut)
        try c.encode(uptimeSeconds, forKey: .uptimeSeconds)
    }
}

/// A REP socket on its own thread that answers every request (any content) with the latest
/// `StatusSnapshot` as JSON. The frame loop only swaps the snapshot under a lock; it never waits for a client.
public final class StatusServer: Sendable {
    public let boundEndpoint: String
    private let latest: Locked<StatusSnapshot>
    private let stopFlag = Locked(false)
    private let done = Locked(false)

    public init(endpoint: String, initial: StatusSnapshot) throws(ZmqError) {
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
                guard (try? box.socket.receiveMultipart()) ?? nil != nil else { continue }
                let reply = (try? encoder.encode(latest.withLock { $0 })).map(Array.init) ?? Array("{}".utf8)
                _ = try? box.socket.send(reply, more: false, dontWait: false)
            }
        }
        thread.name = "signd-status"
        thread.start()
    }

    public func update(_ snapshot: StatusSnapshot) { latest.withLock { $0 = snapshot } }

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
