import SigndEvents

/// Where one camera's events go: the ZeroMQ publisher first (on the camera's topics), then every observer
/// (metrics, MQTT) in the same order. One path for every event, so the integrations see what subscribers see.
struct EventOutlet: Sendable {
    let publisher: EventPublisher
    /// The camera id the events are published as (`signd.<camera>.<kind>`).
    let camera: String
    let observers: [any EventObserver]

    /// An event the socket dropped for a slow subscriber still reaches the observers (the drop is counted in
    /// `publish_drops`); one that could not be encoded reaches nobody.
    func publish(_ event: Event, frame: Int?) throws(EventPublisherError) {
        try publisher.publish(event, frame: frame, camera: camera)
        for observer in observers { observer.observe(event, frame: frame) }
    }
}
