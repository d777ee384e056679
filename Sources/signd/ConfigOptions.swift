import ArgumentParser
import Foundation
import SigndConfig
import SigndCore

/// Flags shared by the commands that run the pipeline; each overrides the matching config key.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "YAML configuration file (see docs/configuration.md).")
    var config: String?

    @Option(help: "Source: a video file, camera index, /dev/videoN or rtsp:// URL (source.uri).")
    var source: String?

    @Option(name: .customLong("camera-id"), help: "Camera id used in event topics (camera_id).")
    var cameraID: String?

    @Option(name: .customLong("endpoint"), help: "ZeroMQ endpoint to bind; repeat for several (events.endpoints).")
    var endpoints: [String] = []

    @Flag(inversion: .prefixedNo, help: "Play files at their native frame rate (source.realtime).")
    var realtime: Bool?

    @Flag(inversion: .prefixedNo, help: "Restart a file when it ends (source.loop).")
    var loop: Bool?

    @Option(name: .customLong("max-frames"), help: "Stop after this many frames (source.max_frames).")
    var maxFrames: Int?

    @Flag(inversion: .prefixedNo, help: "Run the landmark models (landmarks.enabled).")
    var landmarks: Bool?

    @Flag(inversion: .prefixedNo, help: "Face landmarks (landmarks.face).")
    var face: Bool?

    @Flag(name: .customLong("refine-face"), inversion: .prefixedNo,
          help: "478-point faces, iris included: MediaPipe's refine_face_landmarks (landmarks.refine_face; --refine-face implies --face).")
    var refineFace: Bool?

    @Flag(inversion: .prefixedNo,
          help: "Pose of frame t+1 beside hands and face of frame t on a second thread (landmarks.pipelined).")
    var pipelined: Bool?

    @Option(name: .customLong("models-dir"),
            help: "Directory with mediapipe/, litert/ and the default heads (landmarks.models_dir; else $SIGND_MODELS_DIR, else ./Models).")
    var modelsDirectory: String?

    @Flag(name: .customLong("include-landmarks"), help: "Put landmarks into frame events (events.include_landmarks).")
    var includeLandmarks = false

    @Option(name: .customLong("landmark-encoding"), help: "json or f32_base64 (events.landmark_encoding).")
    var landmarkEncoding: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (log_level).")
    var logLevel: String?

    /// The file (if any) merged with the flags, then validated.
    func resolve() throws(ConfigError) -> SigndConfiguration {
        var merged = try config.map { path throws(ConfigError) in try ConfigLoader.load(path: path) } ?? SigndConfiguration()
        let file = config ?? "<command line>"
        if !merged.cameras.isEmpty, let flag = source != nil ? "--source" : cameraID != nil ? "--camera-id" : nil {
            throw ConfigError(file: flag, key: "cameras", line: nil, problem: "names one camera, but \(file) lists its cameras under cameras:")
        }
        if let source { merged.source.uri = source; merged.source.uriAsWritten = nil }
        if let cameraID { merged.cameraID = cameraID }
        if !endpoints.isEmpty { merged.events.endpoints = endpoints }
        if let maxFrames, maxFrames <= 0 {
            throw ConfigError(file: "--max-frames", key: "source.max_frames", line: nil, problem: "must be ≥ 1")
        }
        // The source flags apply to every camera's source.
        func applySourceFlags(_ s: inout SigndConfiguration.Source) {
            if let realtime { s.realtime = realtime }
            if let loop { s.loop = loop }
            if let maxFrames { s.maxFrames = maxFrames }
        }
        applySourceFlags(&merged.source)
        for i in merged.cameras.indices { applySourceFlags(&merged.cameras[i].source) }
        if let landmarks { merged.landmarks.enabled = landmarks }
        if let face { merged.landmarks.face = face }
        if let refineFace {
            merged.landmarks.refineFace = refineFace
            if refineFace && face == nil { merged.landmarks.face = true }
        }
        if let pipelined { merged.landmarks.pipelined = pipelined }
        merged.chooseModelsDirectory(flag: modelsDirectory, environment: ProcessInfo.processInfo.environment)
        if includeLandmarks { merged.events.includeLandmarks = true }
        if let landmarkEncoding {
            guard let encoding = LandmarkEncoding(rawValue: landmarkEncoding) else {
                throw ConfigError(file: "--landmark-encoding", key: "events.landmark_encoding", line: nil,
                                  problem: "'\(landmarkEncoding)' is not one of \(LandmarkEncoding.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            merged.events.landmarkEncoding = encoding
        }
        if let logLevel {
            guard let level = SigndConfiguration.LogLevel(rawValue: logLevel.lowercased()) else {
                throw ConfigError(file: "--log-level", key: "log_level", line: nil, problem: "'\(logLevel)' is not a log level")
            }
            merged.logLevel = level
        }
        try ConfigLoader.validate(merged, file: file)
        return merged
    }
}
