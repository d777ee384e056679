import Foundation

/// The fields every event carries, whatever its kind.
public struct EventEnvelope: Sendable, Equatable, Codable {
    /// Version of the event format (docs/events.md, docs/events.schema.json).
    public static let currentSchema = 2

    public var schema: Int
    public var kind: EventKind
    /// Per-topic sequence number: 0 for the first event of this topic in this publisher run, then +1 for each
    /// event published on it, whether or not a subscriber got it (a gap means events were dropped).
    public var seq: UInt64
    /// The frame index the event refers to, or nil where none applies (stats, health, source).
    public var frame: Int?
    /// CLOCK_MONOTONIC ns when the event was published.
    public var monoNanos: UInt64
    /// Wall-clock seconds since the Unix epoch when the event was published.
    public var wall: Double
    public var camera: String

    public init(
        schema: Int = EventEnvelope.currentSchema, kind: EventKind, seq: UInt64, frame: Int?, monoNanos: UInt64,
        wall: Double, camera: String
    ) {
        self.schema = schema
        self.kind = kind
        self.seq = seq
        self.frame = frame
        self.monoNanos = monoNanos
        self.wall = wall
        self.camera = camera
    }

    enum CodingKeys: String, CodingKey {
        case schema, kind, seq, frame, monoNanos = "mono_ns", wall, camera
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(kind, forKey: .kind)
        try c.encode(seq, forKey: .seq)
        try c.encode(frame, forKey: .frame)
        try c.encode(monoNanos, forKey: .monoNanos)
        try c.encode(wall, forKey: .wall)
        try c.encode(camera, forKey: .camera)
    }
}

/// One event as it travels: the envelope and the payload, flattened into one JSON object.
public struct EventMessage: Sendable, Equatable, Codable {
    public var envelope: EventEnvelope
    public var event: Event

    public init(envelope: EventEnvelope, event: Event) {
        self.envelope = envelope
        self.event = event
    }

    public var topic: String { EventTopic.topic(camera: envelope.camera, kind: envelope.kind) }

    public func encode(to encoder: any Encoder) throws {
        try envelope.encode(to: encoder)
        try event.encodePayload(to: encoder)
    }

    public init(from decoder: any Decoder) throws {
        let envelope = try EventEnvelope(from: decoder)
        self.envelope = envelope
        self.event = try Event.decodePayload(kind: envelope.kind, from: decoder)
    }

    /// The encoder the publisher uses: sorted keys, so that the bytes are stable for a given event.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// Topic names: `signd.<camera>.<kind>`. Subscribe to `signd.<camera>.` (with the final dot) for one camera,
/// since ZeroMQ filters on byte prefixes and `signd.cam1` would also match `signd.cam10…`.
public enum EventTopic {
    public static let root = "signd"

    public static func topic(camera: String, kind: EventKind) -> String {
        "\(root).\(camera).\(kind.rawValue)"
    }

    public static func prefix(camera: String) -> String { "\(root).\(camera)." }

    /// Camera ids become a topic component: 1–64 characters of `A–Z a–z 0–9 _ -` (no dots, no spaces).
    public static func validateCamera(_ camera: String) -> String? {
        if camera.isEmpty { return "is empty" }
        if camera.utf8.count > 64 { return "is longer than 64 characters" }
        let allowed = camera.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
                || $0 == "-"
        }
        return allowed ? nil : "may contain only letters, digits, '_' and '-'"
    }
}
