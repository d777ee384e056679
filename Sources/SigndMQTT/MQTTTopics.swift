import Foundation
import SigndEvents

/// The bridge's topics and payloads (docs/integrations.md): what goes where, apart from the connection.
public struct MQTTTopics: Sendable {
    public let camera: String
    /// `<topic_prefix>/<camera_id>`.
    public let base: String
    public let discoveryPrefix: String?
    public let version: String

    public init(prefix: String, camera: String, discoveryPrefix: String?, version: String) {
        self.camera = camera
        base = "\(prefix)/\(camera)"
        self.discoveryPrefix = discoveryPrefix
        self.version = version
    }

    /// `online` / `offline`, retained; `offline` is also the last will.
    public var availability: String { "\(base)/availability" }
    /// `ON` while a signing segment is open, else `OFF`; retained.
    public var signing: String { "\(base)/signing" }
    /// The signing topic's payloads, as the discovery config declares them.
    static let signingOn = "ON", signingOff = "OFF"
    public func signingPayload(_ signing: Bool) -> [UInt8] { Array((signing ? Self.signingOn : Self.signingOff).utf8) }
    /// One JSON message per `sign` event; not retained (an event, not a state).
    public var sign: String { "\(base)/sign" }
    /// The latest `health` event as JSON; retained.
    public var health: String { "\(base)/health" }

    private var objectID: String { "signd_\(camera)" }

    /// Home Assistant discovery messages (retained config topics): the signing binary_sensor, the last sign
    /// and health as sensors, all one device that goes unavailable with the daemon.
    public func discovery() -> [(topic: String, payload: [UInt8])] {
        guard let prefix = discoveryPrefix else { return [] }
        let device = Device(identifiers: [objectID], name: "signd \(camera)", manufacturer: "signd",
                            model: "sign-language detector", swVersion: version)
        let entities = [
            Entity(component: "binary_sensor", key: "signing", name: "Signing", stateTopic: signing, valueTemplate: nil,
                   payloadOn: Self.signingOn, payloadOff: Self.signingOff, jsonAttributesTopic: nil, entityCategory: nil, icon: "mdi:hand-wave"),
            Entity(component: "sensor", key: "last_sign", name: "Last sign", stateTopic: sign, valueTemplate: "{{ value_json.label }}",
                   payloadOn: nil, payloadOff: nil, jsonAttributesTopic: sign, entityCategory: nil, icon: "mdi:sign-language"),
            Entity(component: "sensor", key: "health", name: "Health", stateTopic: health, valueTemplate: "{{ value_json.status }}",
                   payloadOn: nil, payloadOff: nil, jsonAttributesTopic: health, entityCategory: "diagnostic", icon: "mdi:heart-pulse"),
        ]
        return entities.map { entity in
            let config = DiscoveryConfig(entity: entity, uniqueID: "\(objectID)_\(entity.key)", availabilityTopic: availability, device: device)
            return ("\(prefix)/\(entity.component)/\(objectID)/\(entity.key)/config", Self.json(config))
        }
    }

    /// The `sign` topic's payload: the answer (a label or `unknown`) first, then the event's fields.
    public func signPayload(_ event: SignEvent, frame: Int?) -> [UInt8]? {
        guard !event.top.isEmpty else { return nil }
        return Self.json(SignMessage(camera: camera, label: event.label, score: event.score, top: event.top, frame: frame,
                                     windowStartFrame: event.windowStartFrame, windowEndFrame: event.windowEndFrame,
                                     segment: event.segment, segmentID: event.segmentID))
    }

    public func healthPayload(_ event: HealthEvent) -> [UInt8] { Self.json(event) }

    static func json(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Our own types with finite numbers (the publisher refuses non-finite ones before they get here).
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }
}

private struct Entity {
    var component: String
    var key: String
    var name: String
    var stateTopic: String
    var valueTemplate: String?
    var payloadOn: String?
    var payloadOff: String?
    var jsonAttributesTopic: String?
    var entityCategory: String?
    var icon: String
}

private struct Device: Encodable {
    var identifiers: [String]
    var name: String
    var manufacturer: String
    var model: String
    var swVersion: String
    enum CodingKeys: String, CodingKey { case identifiers, name, manufacturer, model, swVersion = "sw_version" }
}

/// Home Assistant's MQTT discovery keys (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery).
private struct DiscoveryConfig: Encodable {
    var entity: Entity
    var uniqueID: String
    var availabilityTopic: String
    var device: Device

    enum CodingKeys: String, CodingKey {
        case name, uniqueID = "unique_id", objectID = "object_id", stateTopic = "state_topic", valueTemplate = "value_template"
        case payloadOn = "payload_on", payloadOff = "payload_off", jsonAttributesTopic = "json_attributes_topic"
        case entityCategory = "entity_category", icon, availabilityTopic = "availability_topic"
        case payloadAvailable = "payload_available", payloadNotAvailable = "payload_not_available", device
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entity.name, forKey: .name)
        try c.encode(uniqueID, forKey: .uniqueID)
        try c.encode(uniqueID, forKey: .objectID)
        try c.encode(entity.stateTopic, forKey: .stateTopic)
        try c.encodeIfPresent(entity.valueTemplate, forKey: .valueTemplate)
        try c.encodeIfPresent(entity.payloadOn, forKey: .payloadOn)
        try c.encodeIfPresent(entity.payloadOff, forKey: .payloadOff)
        try c.encodeIfPresent(entity.jsonAttributesTopic, forKey: .jsonAttributesTopic)
        try c.encodeIfPresent(entity.entityCategory, forKey: .entityCategory)
        try c.encode(entity.icon, forKey: .icon)
        try c.encode(availabilityTopic, forKey: .availabilityTopic)
        try c.encode("online", forKey: .payloadAvailable)
        try c.encode("offline", forKey: .payloadNotAvailable)
        try c.encode(device, forKey: .device)
    }
}

private struct SignMessage: Encodable {
    var camera: String
    var label: String
    var score: Double
    var top: [SignEvent.Label]
    var frame: Int?
    /// The frames the label was decided on: one window, or a whole segment for the summary after its `end`.
    var windowStartFrame: Int
    var windowEndFrame: Int
    var segment: Int?
    var segmentID: String?
    enum CodingKeys: String, CodingKey {
        case camera, label, score, top, frame, segment, segmentID = "segment_id"
        case windowStartFrame = "window_start_frame", windowEndFrame = "window_end_frame"
    }
}
