import SigndCore

/// Everything `signd run` needs, validated. Defaults are what a kiosk with one camera wants; the YAML
/// file overrides them and command-line flags override the file. Keys are documented in
/// `docs/configuration.md`; `signd check-config FILE` validates a file without running.
public struct SigndConfiguration: Sendable, Equatable {
    /// Names this camera in event topics (`signd.<camera_id>.<kind>`).
    public var cameraID = "cam0"
    public var source = Source()
    /// Several cameras in one process (`cameras:`): each its own source, landmark tracking, windows, heads
    /// state and topics; the models, the event sockets and the rest of the file are shared. Empty: the one
    /// camera is `camera_id` + `source`.
    public var cameras: [Camera] = []
    public var landmarks = Landmarks()
    public var windows = Windows()
    public var heads = Heads()
    public var events = Events()
    public var systemd = Systemd()
    public var health = Health()
    public var metrics = Metrics()
    public var mqtt = MQTT()
    public var liveView = LiveView()
    public var logLevel = LogLevel.info

    public init() {}

    /// One camera of a `cameras:` list.
    public struct Camera: Sendable, Equatable {
        public var id: String
        public var source: Source
        public init(id: String, source: Source) { self.id = id; self.source = source }
    }

    /// The cameras this configuration runs: the `cameras:` list, or `camera_id` with `source`.
    public var cameraList: [Camera] { cameras.isEmpty ? [Camera(id: cameraID, source: source)] : cameras }

    /// The configuration as one camera's loop sees it: its id and source in `camera_id` and `source`.
    public func forCamera(_ camera: Camera) -> SigndConfiguration {
        var one = self
        one.cameraID = camera.id
        one.source = camera.source
        one.cameras = []
        return one
    }

    public struct Source: Sendable, Equatable {
        /// Video file path, camera index, /dev/videoN or rtsp:// URL, `${NAME}` references expanded. Required.
        public var uri = ""
        /// The URI as the file wrote it when it referenced the environment: what logs, events and
        /// `check-config` show, so an expanded secret is never printed (see `shownURI`).
        public var uriAsWritten: String?
        /// The URI to show (before credentials are redacted): as written when it referenced the environment.
        public var shownURI: String { uriAsWritten ?? uri }
        /// Play files at their native frame rate (otherwise as fast as possible).
        public var realtime = false
        /// Start a file again when it ends (demo kiosks).
        public var loop = false
        public var openTimeoutMillis = 5000
        public var readTimeoutMillis = 3000
        public var reconnectInitialDelayMillis = 500
        public var reconnectMaxDelayMillis = 10_000
        /// nil: retry forever.
        public var reconnectMaxAttempts: Int?
        /// Stop after this many frames (benchmarks, tests).
        public var maxFrames: Int?
        /// Camera format, RTSP transport, rotation, flip and crop.
        public var capture = CaptureOptions()
        public init() {}
    }

    public struct Landmarks: Sendable, Equatable {
        public var enabled = true
        /// Holds `mediapipe/*.tflite` and `litert/libLiteRt.so` (see scripts/fetch-models).
        public var modelsDirectory = "Models"
        /// True until the file or a flag names the directory; then `$SIGND_MODELS_DIR` may choose it.
        public var modelsDirectoryIsDefault = true
        public var face = false
        /// MediaPipe's `refine_face_landmarks`: 478-point faces (iris included); needs `face`.
        public var refineFace = false
        /// XNNPACK threads per model; the two hands also run concurrently.
        public var threads = 1
        /// MediaPipe Holistic's options of the same names (their defaults).
        public var minDetectionConfidence = 0.5
        public var minTrackingConfidence = 0.5
        public var smoothLandmarks = true
        /// Pose of frame t+1 beside hands and face of frame t, on two threads: more frames per second when
        /// the landmarks are slower than the source, at some added latency (Benchmarks/README.md).
        public var pipelined = false
        public init() {}
    }

    /// The heads' windows. Their length comes from the models' manifests; `length`, when set, is what the
    /// deployment expects, and start-up fails if the binary head disagrees.
    public struct Windows: Sendable, Equatable {
        public var length: Int?
        /// A window whose frames span more than this factor × its length in source frames (frames were
        /// dropped in between because the loop fell behind) is not scored; the windows restart. nil: off.
        public var maxSpanFactor: Double? = 1.5
        public init() {}
    }

    /// The heads' model stems after defaults: `<landmarks.models_dir>/signing-binary` and `…/asl-signs`
    /// unless `heads.binary` / `heads.multiclass` are set (nil: that head is off).
    public var binaryStem: String? { heads.binaryIsDefault ? landmarks.modelsDirectory + "/signing-binary" : heads.binary }
    public var multiclassStem: String? { heads.multiclassIsDefault ? landmarks.modelsDirectory + "/asl-signs" : heads.multiclass }

    /// The SignSTGCN heads (docs/configuration.md, `heads`). Model paths are stems: `STEM.safetensors` +
    /// `STEM.manifest.json`, relative to the config file's directory (or the working directory).
    public struct Heads: Sendable, Equatable {
        public var enabled = true
        /// Used when `binaryIsDefault` is false; nil: no binary head (no state, sign or probability).
        public var binary: String?
        public var multiclass: String?
        /// True until the config names the stem: the default lives in `landmarks.models_dir`, and a missing
        /// default model is a warning (the daemon runs without heads) while a missing configured one is an error.
        public var binaryIsDefault = true
        public var multiclassIsDefault = true
        public var stride = 1
        public var smoothingAlpha = 0.5
        /// nil (both): the binary head's calibrated operating point (its manifest's `operating_point`), else
        /// `defaultThresholds`. A config that sets either sets the pair: the other takes its default.
        public var enterThreshold: Double?
        public var exitThreshold: Double?
        public var minStartFrames = 3
        public var minEndFrames = 10
        /// Frames ≥ enter in a row that confirm a segment (a `confirm` event after the tentative `start`); 0: off.
        public var confirmFrames = 0
        public var updateIntervalFrames = 30
        public var multiclassEvery = 5
        public var topK = 5
        /// Open-set threshold of the multi-class head; nil: the head's calibrated one (its manifest's open_set).
        public var unknownBelow: Double?
        public init() {}

        /// Where a segment starts and ends (P(signing) after smoothing).
        public struct Thresholds: Sendable, Equatable {
            public var enter: Double
            public var exit: Double
            public init(enter: Double, exit: Double) { self.enter = enter; self.exit = exit }
        }
        /// The daemon's thresholds for a head that carries none.
        public static let defaultThresholds = Thresholds(enter: 0.6, exit: 0.4)

        /// True when the config (or a flag) sets either threshold, so the head's operating point is not used.
        public var setsThresholds: Bool { enterThreshold != nil || exitThreshold != nil }

        /// Why the config's own pair cannot be used (exit above enter), or nil. Checked where the config is read;
        /// a head's operating point is checked when its manifest is.
        public var thresholdProblem: String? {
            guard setsThresholds else { return nil }
            let t = thresholds(head: nil)
            guard t.exit > t.enter else { return nil }
            let implied = enterThreshold == nil ? " (heads.enter_threshold not set: its default)" : exitThreshold == nil ? " (heads.exit_threshold not set: its default)" : ""
            return "must be ≤ heads.enter_threshold (\(t.enter)), got \(t.exit)\(implied)"
        }

        /// Why `confirm_frames` cannot be used (negative, or 1 … min_start_frames), or nil. The heads check the
        /// same rule (`SegmentTracker.Parameters.validate`); this one names the config key before any head loads.
        public var confirmProblem: String? {
            guard confirmFrames < 0 || (confirmFrames > 0 && confirmFrames <= minStartFrames) else { return nil }
            return "must be 0 (off) or more than heads.min_start_frames (\(minStartFrames)), got \(confirmFrames)"
        }

        /// The thresholds in force with a binary head whose calibrated operating point is `head` (nil: none).
        public func thresholds(head: Thresholds?) -> Thresholds {
            guard !setsThresholds else {
                return Thresholds(enter: enterThreshold ?? Self.defaultThresholds.enter, exit: exitThreshold ?? Self.defaultThresholds.exit)
            }
            return head ?? Self.defaultThresholds
        }
    }

    public struct Events: Sendable, Equatable {
        public var endpoints = ["tcp://127.0.0.1:5556"]
        /// Messages queued per subscriber before PUB drops (bounded memory).
        public var sendHighWaterMark = 1000
        public var lingerMillis = 100
        public var statsIntervalSeconds = 1.0
        /// Landmarks in `frame` events are opt-in (they are large).
        public var includeLandmarks = false
        /// How those landmarks are written: rounded JSON numbers or packed float32 (docs/events.md).
        public var landmarkEncoding = LandmarkEncoding.json
        public var curve: Curve?
        /// A REP endpoint answering any request with the current health, source and signing state (for
        /// subscribers that connect late; PUB keeps no last value). nil: off.
        public var statusEndpoint: String?
        public init() {}
    }

    /// ZeroMQ CURVE: the server's key pair and the client public keys allowed to subscribe (Z85, 40 chars).
    public struct Curve: Sendable, Equatable {
        public var serverSecretKey: String
        /// Where the secret key was read from (`server_secret_key_file`), for messages; nil when inline.
        public var serverSecretKeyFile: String?
        /// Optional: derived from the secret key; when given it must match.
        public var serverPublicKey: String?
        public var allowedClientKeys: [String]
        public init(serverSecretKey: String, serverPublicKey: String?, allowedClientKeys: [String], serverSecretKeyFile: String? = nil) {
            self.serverSecretKey = serverSecretKey
            self.serverSecretKeyFile = serverSecretKeyFile
            self.serverPublicKey = serverPublicKey
            self.allowedClientKeys = allowedClientKeys
        }
    }

    public struct Systemd: Sendable, Equatable {
        /// Send READY/WATCHDOG/STATUS/STOPPING when `$NOTIFY_SOCKET` is set.
        public var notify = true
        public var statusIntervalSeconds = 1.0
        public init() {}
    }

    /// When the daemon calls itself less than `ok` (the `health` event).
    public struct Health: Sendable, Equatable {
        /// Health is re-published at least this often, so a late subscriber learns it.
        public var intervalSeconds = 5.0
        /// `degraded` when more than this share of the source's frames was dropped over a stats interval.
        public var maxDropRatio = 0.2
        public init() {}
    }

    /// Prometheus `/metrics` over HTTP (docs/integrations.md). Off by default; loopback unless configured.
    public struct Metrics: Sendable, Equatable {
        public var enabled = false
        public var address = "127.0.0.1"
        public var port = 9464
        public init() {}
    }

    /// The MQTT bridge with Home Assistant discovery (docs/integrations.md). Off by default.
    public struct MQTT: Sendable, Equatable {
        public var enabled = false
        public var host = "127.0.0.1"
        public var port = 1883
        /// Default: `signd-<camera_id>`. With several cameras each camera connects on its own, as
        /// `<client_id>-<camera_id>` (a broker drops the older of two connections with one id).
        public var clientID: String?
        public var username: String?
        /// Read from `password_file` (never written in the main file).
        public var password: String?
        public var passwordFile: String?
        /// Topics are `<topic_prefix>/<camera_id>/…`.
        public var topicPrefix = "signd"
        /// Home Assistant's discovery prefix; nil: no discovery messages.
        public var discoveryPrefix: String? = "homeassistant"
        public var keepaliveSeconds = 30
        public var qos = 1
        public init() {}

        /// The client id of camera `camera`'s connection, one of `cameras` in the process.
        public func clientID(camera: String, cameras: Int) -> String {
            guard let clientID else { return "signd-\(camera)" }
            return cameras > 1 ? "\(clientID)-\(camera)" : clientID
        }
    }

    /// A local web page with the camera, the landmark overlay, P(signing) and the last signs
    /// (docs/integrations.md). Off by default; loopback unless configured: it shows the camera.
    public struct LiveView: Sendable, Equatable {
        public var enabled = false
        public var address = "127.0.0.1"
        public var port = 8090
        /// Frames per second rendered for the page, at most; only while a page is open.
        public var fps = 10.0
        /// Width of the streamed image (the height follows the source's aspect ratio).
        public var width = 640
        public init() {}
    }

    /// The models directory, by one rule for every subcommand: `--models-dir`, else `landmarks.models_dir`
    /// from the file, else `$SIGND_MODELS_DIR`, else `Models` in the working directory.
    public mutating func chooseModelsDirectory(flag: String?, environment: [String: String]) {
        if let flag {
            landmarks.modelsDirectory = flag
            landmarks.modelsDirectoryIsDefault = false
        } else if landmarks.modelsDirectoryIsDefault, let dir = environment["SIGND_MODELS_DIR"], !dir.isEmpty {
            landmarks.modelsDirectory = dir
        }
    }

    public enum LogLevel: String, Sendable, Equatable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }
}
