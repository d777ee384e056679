/// Something besides the ZeroMQ socket that follows the daemon's events: the Prometheus exporter, the MQTT
/// bridge. It sees exactly what subscribers see, in the same order, so the integrations cannot tell a
/// different story than the event stream. Called on the publishing thread (the frame loop, or the grab
/// thread for `source` events) right after the event went to the socket; it must not block.
public protocol EventObserver: Sendable {
    func observe(_ event: Event, frame: Int?)
}
