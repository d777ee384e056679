import Foundation
import SigndCore

/// The event kinds; each is the last part of a topic `signd.<camera>.<kind>`.
public enum EventKind: String, Sendable, Codable, CaseIterable {
    case frame, state, sign, stats, health, source
}

/// One event's kind-specific fields. Every payload is flattened into the JSON object next to the envelope
/// fields (`schema`, `kind`, `seq`, `frame`, `mono_ns`, `wall`, `camera`); optional fields are written as
/// `null`, never left out, so every message of a kind has the same keys.
public enum Event: Sendable, Equatable {
    case frame(FrameEvent)
    case state(StateEvent)
    case sign(SignEvent)
    case stats(StatsEvent)
    case health(HealthEvent)
    case source(SourceEvent)

    public var kind: EventKind {
        switch self {
        case .frame: .frame
        case .state: .state
        case .sign: .sign
        case .stats: .stats
        case .health: .health
        case .source: .source
        }
    }

    func encodePayload(to encoder: any Encoder) throws {
        switch self {
        case .frame(let p): try p.encode(to: encoder)
        case .state(let p): try p.encode(to: encoder)
        case .sign(let p): try p.encode(to: encoder)
        case .stats(let p): try p.encode(to: encoder)
        case .health(let p): try p.encode(to: encoder)
        case .source(let p): try p.encode(to: encoder)
        }
    }

    static func decodePayload(kind: EventKind, from decoder: any Decoder) throws -> Event {
        switch kind {
        case .frame: .frame(try FrameEvent(from: decoder))
        case .state: .state(try StateEvent(from: decoder))
        case .sign: .sign(try SignEvent(from: decoder))
        case .stats: .stats(try StatsEvent(from: decoder))
        case .health: .health(try HealthEvent(from: decoder))
        case .source: .source(try SourceEvent(from: decoder))
        }
    }
}

// MARK: frame

/// Published once per processed frame (envelope `frame` = the frame index).
public struct FrameEvent: Sendable, Equatable, Codable {
    /// When the grab thread received the frame (CLOCK_MONOTONIC, ns; compare with the envelope's `mono_ns`).
    public var captureNanos: UInt64
    /// The source's own position (container PTS) in ms, when it reports one.
    public var sourceMillis: Double?
    /// Signing probability of the window ending at this frame; nil until the first full window.
    public var probability: Double?
    public var present: LandmarkPresence
    /// Landmark coordinates, only when enabled in the config (they are large).
    public var landmarks: FrameLandmarks?

    public init(
        captureNanos: UInt64, sourceMillis: Double?, probability: Double?, present: LandmarkPresence,
        landmarks: FrameLandmarks? = nil
    ) {
        self.captureNanos = captureNanos
        self.sourceMillis = sourceMillis
        self.probability = probability
        self.present = present
        self.landmarks = landmarks
    }

    /// The frame event for `stamp` and its landmarks (with their coordinates when `landmarkEncoding` is given).
    public init(stamp: FrameStamp, landmarks: HolisticLandmarks, probability: Double?, landmarkEncoding: LandmarkEncoding?) {
        self.init(
            captureNanos: stamp.captureNanos, sourceMillis: stamp.sourceMillis, probability: probability,
            present: LandmarkPresence(landmarks),
            landmarks: landmarkEncoding.map { FrameLandmarks(landmarks, encoding: $0) })
    }

    enum CodingKeys: String, CodingKey {
        case captureNanos = "capture_ns", sourceMillis = "source_ms", probability, present, landmarks
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(captureNanos, forKey: .captureNanos)
        try c.encode(sourceMillis, forKey: .sourceMillis)
        try c.encode(probability, forKey: .probability)
        try c.encode(present, forKey: .present)
        try c.encode(landmarks, forKey: .landmarks)
    }
}

/// Which Holistic parts were detected in a frame.
public struct LandmarkPresence: Sendable, Equatable, Codable {
    public var pose: Bool
    public var leftHand: Bool
    public var rightHand: Bool
    /// False also when the face stage is off.
    public var face: Bool

    public init(pose: Bool, leftHand: Bool, rightHand: Bool, face: Bool) {
        self.pose = pose
        self.leftHand = leftHand
        self.rightHand = rightHand
        self.face = face
    }

    public init(_ landmarks: HolisticLandmarks) {
        self.init(
            pose: landmarks.hasPose, leftHand: landmarks.hasLeftHand, rightHand: landmarks.hasRightHand,
            face: landmarks.hasFace)
    }

    enum CodingKeys: String, CodingKey {
        case pose, leftHand = "left_hand", rightHand = "right_hand", face
    }
}

/// Landmark coordinates of one frame in MediaPipe normalized image coordinates: `pose` 33 joints of
/// `[x, y, z, visibility]`, hands 21 of `[x, y, z]`, `face` 468 (478 with `landmarks.refine_face`) of `[x, y, z]`, each encoded as `encoding` says.
/// A part that was not detected (or, for the face, not computed) is null.
public struct FrameLandmarks: Sendable, Equatable, Codable {
    public var encoding: LandmarkEncoding
    public var pose: LandmarkPart?
    public var leftHand: LandmarkPart?
    public var rightHand: LandmarkPart?
    public var face: LandmarkPart?

    public init(encoding: LandmarkEncoding, pose: LandmarkPart?, leftHand: LandmarkPart?, rightHand: LandmarkPart?, face: LandmarkPart?) {
        self.encoding = encoding
        self.pose = pose
        self.leftHand = leftHand
        self.rightHand = rightHand
        self.face = face
    }

    public init(_ landmarks: HolisticLandmarks, encoding: LandmarkEncoding) {
        func part(_ values: [Float], channels: Int, present: Bool) -> LandmarkPart? {
            present ? LandmarkPart(values, channels: channels, encoding: encoding) : nil
        }
        self.init(
            encoding: encoding,
            pose: part(landmarks.pose, channels: HolisticLandmarks.poseChannels, present: landmarks.hasPose),
            leftHand: part(landmarks.leftHand, channels: HolisticLandmarks.handChannels, present: landmarks.hasLeftHand),
            rightHand: part(landmarks.rightHand, channels: HolisticLandmarks.handChannels, present: landmarks.hasRightHand),
            face: landmarks.face.flatMap { part($0, channels: HolisticLandmarks.faceChannels, present: landmarks.hasFace) })
    }

    enum CodingKeys: String, CodingKey {
        case encoding, pose, leftHand = "left_hand", rightHand = "right_hand", face
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let encoding = try c.decode(LandmarkEncoding.self, forKey: .encoding)
        func part(_ key: CodingKeys) throws -> LandmarkPart? {
            switch encoding {
            case .json: try c.decode([[Double?]]?.self, forKey: key).map(LandmarkPart.joints)
            case .f32Base64: try c.decode(String?.self, forKey: key).map(LandmarkPart.packed)
            }
        }
        self.init(encoding: encoding, pose: try part(.pose), leftHand: try part(.leftHand), rightHand: try part(.rightHand), face: try part(.face))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(encoding, forKey: .encoding)
        for (key, part) in [(CodingKeys.pose, pose), (.leftHand, leftHand), (.rightHand, rightHand), (.face, face)] {
            switch part {
            case nil: try c.encodeNil(forKey: key)
            case .joints(let joints)?: try c.encode(joints, forKey: key)
            case .packed(let text)?: try c.encode(text, forKey: key)
            }
        }
    }
}

/// One part's coordinates in one of the two encodings.
public enum LandmarkPart: Sendable, Equatable {
    /// Per joint, its channels rounded to `LandmarkEncoding.decimals` places; a missing value is null (JSON has no NaN).
    case joints([[Double?]])
    /// base64 of little-endian float32 values, NaN where missing.
    case packed(String)

    public init(_ values: [Float], channels: Int, encoding: LandmarkEncoding) {
        switch encoding {
        case .json:
            let scale = pow(10.0, Double(LandmarkEncoding.decimals))
            self = .joints(stride(from: 0, to: values.count, by: channels).map { start in
                values[start..<start + channels].map { $0.isFinite ? (Double($0) * scale).rounded() / scale : nil }
            })
        case .f32Base64:
            var bytes = [UInt8]()
            bytes.reserveCapacity(values.count * 4)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            self = .packed(Data(bytes).base64EncodedString())
        }
    }

    /// The values, flat (NaN where missing); nil for a packed part that is not base64 of whole float32 values.
    public var values: [Float]? {
        switch self {
        case .joints(let joints): return joints.flatMap { $0.map { $0.map(Float.init) ?? .nan } }
        case .packed(let text):
            guard let data = Data(base64Encoded: text), data.count % 4 == 0 else { return nil }
            let bytes = [UInt8](data)
            return stride(from: 0, to: bytes.count, by: 4).map { (i: Int) -> Float in
                var bits: UInt32 = 0
                for k in 0..<4 { bits |= UInt32(bytes[i + k]) << UInt32(8 * k) }
                return Float(bitPattern: bits)
            }
        }
    }
}

// MARK: state

/// A signing segment starts, is confirmed (`heads.confirm_frames`), goes on, or ends (envelope `frame` = the
/// frame that caused the event).
public struct StateEvent: Sendable, Equatable, Codable {
    public enum Phase: String, Sendable, Codable, CaseIterable { case start, confirm, update, end }

    /// Why a segment ended; a subscriber holding a segment open must not wait for the person to stop.
    public enum EndReason: String, Sendable, Codable, CaseIterable {
        /// The signing probability stayed below the exit threshold (the ordinary end).
        case signingStopped = "signing_stopped"
        /// Frames stopped arriving; the segment ends at once, not when the source returns.
        case sourceLost = "source_lost"
        /// The source restarted (a looping file, a reconnection) between two frames.
        case sourceRestarted = "source_restarted"
        /// A file or stream ended.
        case sourceEnded = "source_ended"
        /// The daemon is shutting down or reloading models.
        case stopping
        /// The loop fell behind and dropped so many frames that the windows were restarted.
        case framesDropped = "frames_dropped"
    }

    public var phase: Phase
    /// Segment id: 0 for the first segment of this run, then +1 per segment.
    public var segment: Int
    /// A random UUID per segment, the same on its start, updates, end and signs: unlike `segment`, it does
    /// not restart with the daemon, so consumers can de-duplicate across restarts.
    public var segmentID: String?
    public var startFrame: Int
    /// When the segment started: CLOCK_MONOTONIC ns and wall-clock seconds.
    public var startMonoNanos: UInt64
    public var startWall: Double
    /// Time from the segment's start to this event, ms.
    public var durationMillis: Double
    /// Current (smoothed) signing probability.
    public var probability: Double
    /// At `end` only: a summary of the whole segment.
    public var summary: SegmentSummary?
    /// At `end` only: why it ended.
    public var reason: EndReason?
    /// With `heads.confirm_frames` set: whether the segment is confirmed as of this event (false at its
    /// tentative `start`, true from `confirm` on; at `end`, whether it ever was). Absent when it is off.
    public var confirmed: Bool?

    public init(
        phase: Phase, segment: Int, startFrame: Int, startMonoNanos: UInt64, startWall: Double,
        durationMillis: Double, probability: Double, summary: SegmentSummary? = nil, reason: EndReason? = nil,
        segmentID: String? = nil, confirmed: Bool? = nil
    ) {
        self.segmentID = segmentID
        self.confirmed = confirmed
        self.reason = reason
        self.phase = phase
        self.segment = segment
        self.startFrame = startFrame
        self.startMonoNanos = startMonoNanos
        self.startWall = startWall
        self.durationMillis = durationMillis
        self.probability = probability
        self.summary = summary
    }

    enum CodingKeys: String, CodingKey {
        case phase, segment, segmentID = "segment_id", startFrame = "start_frame", startMonoNanos = "start_mono_ns"
        case startWall = "start_wall", durationMillis = "duration_ms", probability, summary, reason, confirmed
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(phase, forKey: .phase)
        try c.encode(segment, forKey: .segment)
        try c.encode(segmentID, forKey: .segmentID)
        try c.encode(startFrame, forKey: .startFrame)
        try c.encode(startMonoNanos, forKey: .startMonoNanos)
        try c.encode(startWall, forKey: .startWall)
        try c.encode(durationMillis, forKey: .durationMillis)
        try c.encode(probability, forKey: .probability)
        try c.encode(summary, forKey: .summary)
        try c.encode(reason, forKey: .reason)
        // Absent unless confirmation is on, so the events of a daemon without it are unchanged.
        try c.encodeIfPresent(confirmed, forKey: .confirmed)
    }
}

/// Summary of a finished segment.
public struct SegmentSummary: Sendable, Equatable, Codable {
    public var endFrame: Int
    public var frames: Int
    public var meanProbability: Double
    public var maxProbability: Double
    /// The segment's answer from the multi-class head; nil without one, or when no window was classified.
    public var sign: SegmentSign?

    public init(endFrame: Int, frames: Int, meanProbability: Double, maxProbability: Double, sign: SegmentSign? = nil) {
        self.endFrame = endFrame
        self.frames = frames
        self.meanProbability = meanProbability
        self.maxProbability = maxProbability
        self.sign = sign
    }

    enum CodingKeys: String, CodingKey {
        case endFrame = "end_frame", frames, meanProbability = "mean_probability"
        case maxProbability = "max_probability", sign
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(endFrame, forKey: .endFrame)
        try c.encode(frames, forKey: .frames)
        try c.encode(meanProbability, forKey: .meanProbability)
        try c.encode(maxProbability, forKey: .maxProbability)
        try c.encode(sign, forKey: .sign)
    }
}

/// What a segment was: the best label of the mean class probabilities over the windows classified while it
/// was open, or `unknown` when that label's probability is below the open-set threshold.
public struct SegmentSign: Sendable, Equatable, Codable {
    /// A label of the head, or `unknown` (`SignEvent.unknown`).
    public var label: String
    /// The probability the answer was decided on.
    public var score: Double
    /// Windows the mean was taken over.
    public var windows: Int

    public init(label: String, score: Double, windows: Int) {
        self.label = label
        self.score = score
        self.windows = windows
    }
}

// MARK: sign

/// A classification of one window by a multi-class head (envelope `frame` = the window's last frame).
public struct SignEvent: Sendable, Equatable, Codable {
    public struct Label: Sendable, Equatable, Codable {
        public var label: String
        public var score: Double
        public init(label: String, score: Double) {
            self.label = label
            self.score = score
        }
    }

    /// The answer `label` takes when the best score is below the open-set threshold.
    public static let unknown = "unknown"

    /// The answer: the best label, or `unknown` when its score is below the open-set threshold.
    public var label: String
    /// The score the answer was decided on (the best label's probability).
    public var score: Double
    /// Best labels first (whatever the answer).
    public var top: [Label]
    public var windowStartFrame: Int
    public var windowEndFrame: Int
    /// The signing segment this window belongs to, if any.
    public var segment: Int?
    /// That segment's UUID (`StateEvent.segmentID`).
    public var segmentID: String?
    /// The head that produced it (its manifest stem).
    public var model: String?

    public init(label: String, score: Double, top: [Label], windowStartFrame: Int, windowEndFrame: Int, segment: Int? = nil,
                model: String? = nil, segmentID: String? = nil) {
        self.label = label
        self.score = score
        self.segmentID = segmentID
        self.top = top
        self.windowStartFrame = windowStartFrame
        self.windowEndFrame = windowEndFrame
        self.segment = segment
        self.model = model
    }

    enum CodingKeys: String, CodingKey {
        case label, score, top, windowStartFrame = "window_start_frame", windowEndFrame = "window_end_frame", segment
        case segmentID = "segment_id", model
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(label, forKey: .label)
        try c.encode(score, forKey: .score)
        try c.encode(top, forKey: .top)
        try c.encode(windowStartFrame, forKey: .windowStartFrame)
        try c.encode(windowEndFrame, forKey: .windowEndFrame)
        try c.encode(segment, forKey: .segment)
        try c.encode(segmentID, forKey: .segmentID)
        try c.encode(model, forKey: .model)
    }
}

// MARK: stats

/// Periodic pipeline statistics (envelope `frame` = null).
public struct StatsEvent: Sendable, Equatable, Codable {
    public struct Stage: Sendable, Equatable, Codable {
        public var name: String
        public var p50Millis: Double
        public var p99Millis: Double
        /// Samples behind the percentiles (this interval).
        public var count: Int

        public init(name: String, p50Millis: Double, p99Millis: Double, count: Int) {
            self.name = name
            self.p50Millis = p50Millis
            self.p99Millis = p99Millis
            self.count = count
        }

        enum CodingKeys: String, CodingKey {
            case name, p50Millis = "p50_ms", p99Millis = "p99_ms", count
        }
    }

    /// Length of the interval the rates and percentiles cover, s.
    public var intervalSeconds: Double
    public var fpsIn: Double
    public var fpsOut: Double
    /// Totals since start.
    public var framesIn: UInt64
    public var framesOut: UInt64
    public var droppedFrames: UInt64
    public var stages: [Stage]
    /// Events the publisher could not queue (see docs/events.md, drop semantics), total since start.
    public var publishDrops: UInt64
    public var uptimeSeconds: Double
    /// CURVE clients refused by the allow-list, total since start (0 without CURVE): a wrong or stolen key.
    public var curveRejected: UInt64
    /// The process: resident memory (bytes) and CPU time since start (user + system, every thread).
    public var rssBytes: UInt64?
    public var cpuSeconds: Double?
    /// signd's version and the heads it runs (role, stem, sha256 of the weights).
    public var version: String?
    public var models: [ModelIdentity]?

    public struct ModelIdentity: Sendable, Equatable, Codable {
        public var role: String
        public var name: String
        public var sha256: String
        public init(role: String, name: String, sha256: String) { self.role = role; self.name = name; self.sha256 = sha256 }
    }

    public init(
        intervalSeconds: Double, fpsIn: Double, fpsOut: Double, framesIn: UInt64, framesOut: UInt64,
        droppedFrames: UInt64, stages: [Stage], publishDrops: UInt64, uptimeSeconds: Double, curveRejected: UInt64 = 0
    ) {
        self.curveRejected = curveRejected
        self.intervalSeconds = intervalSeconds
        self.fpsIn = fpsIn
        self.fpsOut = fpsOut
        self.framesIn = framesIn
        self.framesOut = framesOut
        self.droppedFrames = droppedFrames
        self.stages = stages
        self.publishDrops = publishDrops
        self.uptimeSeconds = uptimeSeconds
    }

    enum CodingKeys: String, CodingKey {
        case intervalSeconds = "interval_s", fpsIn = "fps_in", fpsOut = "fps_out", framesIn = "frames_in"
        case framesOut = "frames_out", droppedFrames = "dropped_frames", stages, publishDrops = "publish_drops"
        case uptimeSeconds = "uptime_s", curveRejected = "curve_rejected"
        case rssBytes = "rss_bytes", cpuSeconds = "cpu_s", version, models
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        intervalSeconds = try c.decode(Double.self, forKey: .intervalSeconds)
        fpsIn = try c.decode(Double.self, forKey: .fpsIn)
        fpsOut = try c.decode(Double.self, forKey: .fpsOut)
        framesIn = try c.decode(UInt64.self, forKey: .framesIn)
        framesOut = try c.decode(UInt64.self, forKey: .framesOut)
        droppedFrames = try c.decode(UInt64.self, forKey: .droppedFrames)
        stages = try c.decode([Stage].self, forKey: .stages)
        publishDrops = try c.decode(UInt64.self, forKey: .publishDrops)
        uptimeSeconds = try c.decode(Double.self, forKey: .uptimeSeconds)
        curveRejected = try c.decodeIfPresent(UInt64.self, forKey: .curveRejected) ?? 0
        rssBytes = try c.decodeIfPresent(UInt64.self, forKey: .rssBytes)
        cpuSeconds = try c.decodeIfPresent(Double.self, forKey: .cpuSeconds)
        version = try c.decodeIfPresent(String.self, forKey: .version)
        models = try c.decodeIfPresent([ModelIdentity].self, forKey: .models)
    }
}

// MARK: health

/// Overall daemon health (envelope `frame` = null): the worst of the conditions in `reasons`, with a
/// message naming each. Published when it changes and every `health.interval_s`.
public struct HealthEvent: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable { case ok, degraded, error }

    /// A condition that makes the daemon less than `ok`, as a stable code for alerting rules.
    public enum Reason: String, Sendable, Codable, CaseIterable {
        /// The default heads are missing: no state or sign events come out.
        case noHeads = "no_heads"
        /// The source is lost or being reconnected.
        case sourceUnavailable = "source_unavailable"
        /// The source failed for good (reconnection gave up, unreadable file).
        case sourceFailed = "source_failed"
        /// The loop could not keep up: more than `health.max_drop_ratio` of the source's frames were dropped.
        case framesDropped = "frames_dropped"
        /// Windows covered too many source frames and were restarted, unscored.
        case windowsReset = "windows_reset"
        /// The landmark models failed on frames.
        case landmarksFailing = "landmarks_failing"
        /// A head gave NaN or inf.
        case headOutputInvalid = "head_output_invalid"
        /// An optional output is not delivering: the MQTT broker is unreachable, or live frames fail to render.
        case integrationFailing = "integration_failing"
    }

    public var status: Status
    public var message: String?
    /// Empty when `ok`.
    public var reasons: [Reason]

    public init(status: Status, message: String? = nil, reasons: [Reason] = []) {
        self.status = status
        self.message = message
        self.reasons = reasons
    }

    enum CodingKeys: String, CodingKey { case status, message, reasons }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        status = try c.decode(Status.self, forKey: .status)
        message = try c.decodeIfPresent(String.self, forKey: .message)
        reasons = try c.decodeIfPresent([Reason].self, forKey: .reasons) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(message, forKey: .message)
        try c.encode(reasons, forKey: .reasons)
    }
}

// MARK: source

/// Video source lifecycle (envelope `frame` = null). JSON: `"event"` names the case; only that case's fields
/// are present.
public enum SourceEvent: Sendable, Equatable, Codable {
    /// The source opened; what it reports about itself, where it does.
    case opened(width: Int?, height: Int?, fps: Double?)
    /// Frames stopped arriving (read error or timeout).
    case lost(message: String)
    /// About to try again after `backoffMillis`; `attempt` counts from 1 per outage.
    case reconnecting(attempt: Int, backoffMillis: Double)
    case reconnected(attempt: Int)
    /// A finite source (a file) reached its end.
    case ended
    case error(message: String)

    public enum Name: String, Sendable, Codable, CaseIterable {
        case opened, lost, reconnecting, reconnected, ended, error
    }

    public var name: Name {
        switch self {
        case .opened: .opened
        case .lost: .lost
        case .reconnecting: .reconnecting
        case .reconnected: .reconnected
        case .ended: .ended
        case .error: .error
        }
    }

    enum CodingKeys: String, CodingKey {
        case event, width, height, fps, message, attempt, backoffMillis = "backoff_ms"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .event)
        switch self {
        case .opened(let width, let height, let fps):
            try c.encode(width, forKey: .width)
            try c.encode(height, forKey: .height)
            try c.encode(fps, forKey: .fps)
        case .lost(let message), .error(let message):
            try c.encode(message, forKey: .message)
        case .reconnecting(let attempt, let backoff):
            try c.encode(attempt, forKey: .attempt)
            try c.encode(backoff, forKey: .backoffMillis)
        case .reconnected(let attempt):
            try c.encode(attempt, forKey: .attempt)
        case .ended:
            break
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(Name.self, forKey: .event) {
        case .opened:
            self = .opened(
                width: try c.decodeIfPresent(Int.self, forKey: .width),
                height: try c.decodeIfPresent(Int.self, forKey: .height),
                fps: try c.decodeIfPresent(Double.self, forKey: .fps))
        case .lost: self = .lost(message: try c.decode(String.self, forKey: .message))
        case .reconnecting:
            self = .reconnecting(
                attempt: try c.decode(Int.self, forKey: .attempt),
                backoffMillis: try c.decode(Double.self, forKey: .backoffMillis))
        case .reconnected: self = .reconnected(attempt: try c.decode(Int.self, forKey: .attempt))
        case .ended: self = .ended
        case .error: self = .error(message: try c.decode(String.self, forKey: .message))
        }
    }
}
