/// Every key the configuration file accepts, dotted, in the order docs/configuration.md lists them. The
/// loader's "known keys here" lists are cut from this table, and a test holds the documentation's key table
/// to it, so code and docs cannot disagree about which keys exist.
public enum ConfigKeys {
    public static let all: [String] = [
        "camera_id", "log_level",
        "source.uri", "source.realtime", "source.loop", "source.open_timeout_ms", "source.read_timeout_ms",
        "source.reconnect.initial_delay_ms", "source.reconnect.max_delay_ms", "source.reconnect.max_attempts", "source.max_frames",
        "source.width", "source.height", "source.fps", "source.fourcc", "source.rtsp_transport", "source.rotate", "source.flip", "source.process_every",
        "source.crop.x", "source.crop.y", "source.crop.width", "source.crop.height",
        "cameras.id", "cameras.source",
        "landmarks.enabled", "landmarks.models_dir", "landmarks.face", "landmarks.refine_face", "landmarks.threads",
        "landmarks.min_detection_confidence", "landmarks.min_tracking_confidence", "landmarks.smooth_landmarks", "landmarks.pipelined",
        "windows.length", "windows.max_span_factor",
        "heads.enabled", "heads.binary", "heads.multiclass", "heads.stride", "heads.smoothing_alpha", "heads.enter_threshold",
        "heads.exit_threshold", "heads.min_start_frames", "heads.min_end_frames", "heads.confirm_frames", "heads.update_interval_frames",
        "heads.multiclass_every", "heads.top_k", "heads.unknown_below",
        "events.endpoints", "events.send_hwm", "events.linger_ms", "events.stats_interval_s", "events.include_landmarks", "events.landmark_encoding",
        "events.status_endpoint", "events.curve.server_secret_key", "events.curve.server_secret_key_file", "events.curve.server_public_key",
        "events.curve.allowed_client_keys",
        "systemd.notify", "systemd.status_interval_s",
        "health.interval_s", "health.max_drop_ratio",
        "metrics.enabled", "metrics.address", "metrics.port",
        "mqtt.enabled", "mqtt.host", "mqtt.port", "mqtt.client_id", "mqtt.username", "mqtt.password_file", "mqtt.topic_prefix",
        "mqtt.discovery_prefix", "mqtt.keepalive_s", "mqtt.qos",
        "live_view.enabled", "live_view.address", "live_view.port", "live_view.fps", "live_view.width",
    ]

    /// The names directly under `section` ("" for the top level; "source.reconnect" for a nested one), in
    /// table order, sections included once.
    public static func children(of section: String) -> [String] {
        let prefix = section.isEmpty ? "" : section + "."
        var names: [String] = []
        for key in all where key.hasPrefix(prefix) {
            let name = String(key.dropFirst(prefix.count).prefix { $0 != "." })
            if !names.contains(name) { names.append(name) }
        }
        return names
    }
}
