import Foundation

/// The JSON sidecar of a SignSTGCN head (`docs/model-format.md`): everything the state_dict does not
/// carry (J, joint layout, coords, dilations, heads, window, label semantics).
public struct STGCNManifest: Codable, Sendable, Equatable {
    public struct JointPart: Codable, Sendable, Equatable {
        public var part: String
        public var joints: Int
    }

    public struct Graph: Codable, Sendable, Equatable {
        public var kind: String
        public var selfLoops: Bool
        public var normalization: String
        public var degreeEpsilon: Double
        enum CodingKeys: String, CodingKey {
            case kind, normalization
            case selfLoops = "self_loops", degreeEpsilon = "degree_epsilon"
        }
    }

    public struct PoseStats: Codable, Sendable, Equatable {
        public var definition: String?
        public var dim: Int
    }

    public struct Provenance: Codable, Sendable, Equatable {
        public var source: String?
        public var checkpoint: String?
        public var checkpointSHA256: String?
        public var upstreamCommit: String?
        enum CodingKeys: String, CodingKey {
            case source, checkpoint
            case checkpointSHA256 = "checkpoint_sha256", upstreamCommit = "upstream_commit"
        }

        /// Provenance is free-form: fields of another type are dropped rather than rejected.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            source = try? c.decodeIfPresent(String.self, forKey: .source)
            checkpoint = try? c.decodeIfPresent(String.self, forKey: .checkpoint)
            checkpointSHA256 = try? c.decodeIfPresent(String.self, forKey: .checkpointSHA256)
            upstreamCommit = try? c.decodeIfPresent(String.self, forKey: .upstreamCommit)
        }
    }

    public enum Attention: String, Codable, Sendable {
        case additive, film
    }

    public enum OutputTimestamp: String, Codable, Sendable {
        case windowLast = "window_last"
        case windowCenter = "window_center"
    }

    public var format: String
    public var formatVersion: Int
    public var architecture: String?
    public var jointLayout: [JointPart]
    public var numJoints: Int
    public var coords: [String]
    public var coordinateConvention: String?
    public var nanPolicy: String?
    /// Flat joint indices the head never sees: set to 0 with every non-finite value, before pose_stats
    /// (e.g. a binary head trained without the legs that waist-up cameras only extrapolate). nil = none.
    public var zeroedJoints: [Int]?
    /// Two flat joint indices (e.g. the shoulders 11, 12): per frame, x and y of every joint become
    /// (value − their midpoint) / their distance, so framing and distance to the camera drop out; a frame where
    /// either is missing becomes all 0. nil = raw coordinates (the seed's convention).
    public var normalizeJoints: [Int]?
    /// Hands seen in their own frame: per frame, each hand's joints become (value − wrist) / |knuckle − wrist|
    /// in x and y, computed from the frame as it arrives; the wrist itself keeps the body frame. nil = none.
    public var handLocal: [HandFrame]?
    public var window: Int
    public var stride: Int
    public var channels: [Int]
    public var kernel: Int
    public var dilations: [Int]
    public var gruHidden: Int
    public var signerEmbedding: Int
    public var heads: Int
    public var attention: Attention
    public var graph: Graph
    public var poseStats: PoseStats
    public var numClasses: Int
    public var labels: [String]
    public var binary: Bool
    public var signingIndex: Int?
    public var signingLabels: [String]?
    public var class0IsSigning: Bool?
    public var outputTimestamp: OutputTimestamp
    public var provenance: Provenance?
    /// Multi-class heads: when to answer `unknown` (calibrated by `signstgcn.open_set`); nil: always a label.
    public var openSet: OpenSet?
    /// Binary heads: the decision thresholds calibrated for this head, used unless the config sets
    /// `heads.enter_threshold` / `heads.exit_threshold`; nil: the daemon's defaults (0.6 / 0.4).
    public var operatingPoint: OperatingPoint?

    /// Where a binary head's segments start and end, chosen for the head (its scores' scale is its own).
    public struct OperatingPoint: Sendable, Equatable, Codable {
        public var enterThreshold: Double
        public var exitThreshold: Double
        /// How the values were chosen (e.g. the cross-validation and the signing recall they give).
        public var calibration: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case enterThreshold = "enter_threshold", exitThreshold = "exit_threshold", calibration
        }
        public init(enterThreshold: Double, exitThreshold: Double, calibration: String? = nil) {
            self.enterThreshold = enterThreshold; self.exitThreshold = exitThreshold; self.calibration = calibration
        }
        /// Refuses keys it does not know: a threshold the daemon would silently ignore is a trap.
        public init(from decoder: Decoder) throws {
            let known = Set(CodingKeys.allCases.map(\.rawValue))
            if let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "unknown field \"\(unknown)\" (known: enter_threshold, exit_threshold, calibration)"))
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            enterThreshold = try c.decode(Double.self, forKey: .enterThreshold)
            exitThreshold = try c.decode(Double.self, forKey: .exitThreshold)
            calibration = try c.decodeIfPresent(String.self, forKey: .calibration)
        }
        private struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }

    /// The open-set rule: a segment's (or window's) largest class probability below `unknownBelow` is
    /// answered `unknown`.
    public struct OpenSet: Sendable, Equatable, Codable {
        /// The only score defined: the largest class probability of the mean over the windows classified.
        public static let maxMeanProbability = "max_mean_probability"
        public var score: String
        public var unknownBelow: Double
        /// A class learnt from out-of-vocabulary signing: it lowers the other classes' probabilities and is
        /// never an answer or a top label.
        public var backgroundLabel: String?
        enum CodingKeys: String, CodingKey { case score, unknownBelow = "unknown_below", backgroundLabel = "background_label" }
    }

    /// One hand of `hand_local`: joints `first ..< first + count` around `origin`, in lengths of origin → `scale`.
    public struct HandFrame: Sendable, Equatable, Codable {
        public var origin: Int
        public var scale: Int
        public var first: Int
        public var count: Int
        public var joints: Range<Int> { first ..< first + count }
        public init(origin: Int, scale: Int, first: Int, count: Int) {
            self.origin = origin; self.scale = scale; self.first = first; self.count = count
        }
    }

    /// The index of the open-set background class, if the head has one.
    public var backgroundClass: Int? { openSet?.backgroundLabel.flatMap { labels.firstIndex(of: $0) } }

    /// The label an open-set answer takes when the score is below the threshold; no class may be called so.
    public static let unknownLabel = "unknown"

    enum CodingKeys: String, CodingKey {
        case format, architecture, coords, window, stride, channels, kernel, dilations, heads, attention
        case graph, labels, binary, provenance
        case formatVersion = "format_version", jointLayout = "joint_layout", numJoints = "num_joints"
        case coordinateConvention = "coordinate_convention", nanPolicy = "nan_policy", zeroedJoints = "zeroed_joints"
        case normalizeJoints = "normalize_joints", handLocal = "hand_local"
        case gruHidden = "gru_hidden", signerEmbedding = "signer_embedding", poseStats = "pose_stats"
        case numClasses = "num_classes", signingIndex = "signing_index", signingLabels = "signing_labels"
        case class0IsSigning = "class0_is_signing", outputTimestamp = "output_timestamp", openSet = "open_set"
        case operatingPoint = "operating_point"
    }

    /// Largest T·J accepted (T = 25 with J up to 8000).
    public static let maxWindowRows = 200_000

    /// C: channels per joint.
    public var coordCount: Int { coords.count }
    /// Floats in one frame (J·C) and in one window (T·J·C).
    public var frameSize: Int { numJoints * coords.count }
    public var windowSize: Int { window * frameSize }
    /// Width of H (the last backbone channel count).
    public var featureDim: Int { channels.last ?? 0 }
    /// P(signing) index for binary heads.
    public var signingClass: Int? { binary ? (signingIndex ?? 1) : nil }

    /// Reads and validates a manifest file; every problem names the field.
    public static func load(url: URL) throws(STGCNError) -> STGCNManifest {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(file: url.path, reason: error.localizedDescription)
        }
        return try decode(data, file: url.path)
    }

    /// The manifest fields that hold whole numbers (or arrays of them).
    static let integerFields = ["format_version", "num_joints", "window", "stride", "kernel", "gru_hidden", "signer_embedding",
                                "heads", "num_classes", "signing_index", "channels", "dilations", "zeroed_joints", "normalize_joints"]

    /// The first whole-number field holding a fraction, as (dotted path, value); nil if none.
    static func nonIntegralNumber(in object: Any) -> (String, Double)? {
        guard let top = object as? [String: Any] else { return nil }
        func fraction(_ value: Any?) -> Double? {
            guard let number = value as? Double, number.isFinite, number != number.rounded() else { return nil }
            return number
        }
        for key in integerFields {
            if let value = fraction(top[key]) { return (key, value) }
            for (i, element) in ((top[key] as? [Any]) ?? []).enumerated() {
                if let value = fraction(element) { return ("\(key)[\(i)]", value) }
            }
        }
        for (i, part) in ((top["joint_layout"] as? [[String: Any]]) ?? []).enumerated() {
            if let value = fraction(part["joints"]) { return ("joint_layout[\(i)].joints", value) }
        }
        if let value = fraction((top["pose_stats"] as? [String: Any])?["dim"]) { return ("pose_stats.dim", value) }
        for (i, hand) in ((top["hand_local"] as? [[String: Any]]) ?? []).enumerated() {
            for key in ["origin", "scale", "first", "count"] {
                if let value = fraction(hand[key]) { return ("hand_local[\(i)].\(key)", value) }
            }
        }
        return nil
    }

    public static func decode(_ data: Data, file: String) throws(STGCNError) -> STGCNManifest {
        let manifest: STGCNManifest
        do {
            manifest = try JSONDecoder().decode(STGCNManifest.self, from: data)
        } catch let error as DecodingError {
            switch error {
            case let .keyNotFound(key, context):
                throw .manifest(file: file, field: Self.path(context.codingPath + [key]), problem: "missing")
            case let .typeMismatch(type, context):
                throw .manifest(file: file, field: Self.path(context.codingPath), problem: "expected \(type)")
            case let .valueNotFound(type, context):
                throw .manifest(file: file, field: Self.path(context.codingPath), problem: "null where \(type) is needed")
            case let .dataCorrupted(context):
                if context.codingPath.isEmpty {
                    // Foundation reports a number that does not fit its field (25.5 for an integer) with an
                    // empty path, like broken JSON: tell the two apart and name the field.
                    if let object = try? JSONSerialization.jsonObject(with: data) {
                        if let (field, value) = Self.nonIntegralNumber(in: object) {
                            throw .manifest(file: file, field: field, problem: "\(value) is not a whole number")
                        }
                        throw .manifest(file: file, field: "(document)", problem: "valid JSON that does not fit the manifest: \(context.debugDescription)")
                    }
                    throw .manifest(file: file, field: "(document)", problem: "not valid JSON")
                }
                throw .manifest(file: file, field: Self.path(context.codingPath), problem: context.debugDescription)
            @unknown default:
                throw .manifest(file: file, field: "(document)", problem: "\(error)")
            }
        } catch {
            throw .manifest(file: file, field: "(document)", problem: "\(error)")
        }
        try manifest.validate(file: file)
        return manifest
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            .reduce("") { acc, k in k.hasPrefix("[") || acc.isEmpty ? acc + k : acc + "." + k }
    }

    /// Semantic checks beyond the JSON types; limits keep a hostile manifest from sizing huge buffers.
    public func validate(file: String) throws(STGCNError) {
        func fail(_ field: String, _ problem: String) -> STGCNError { .manifest(file: file, field: field, problem: problem) }
        guard format == "signd-stgcn" else { throw fail("format", "expected \"signd-stgcn\", got \"\(format)\"") }
        guard formatVersion == 1 else { throw fail("format_version", "unsupported version \(formatVersion) (this reader knows 1)") }
        if let architecture, architecture != "SignSTGCN" {
            throw fail("architecture", "expected \"SignSTGCN\", got \"\(architecture)\"")
        }
        guard !jointLayout.isEmpty else { throw fail("joint_layout", "is empty") }
        for (i, part) in jointLayout.enumerated() where part.joints <= 0 {
            throw fail("joint_layout[\(i)].joints", "must be positive, got \(part.joints)")
        }
        guard (1...100_000).contains(numJoints) else { throw fail("num_joints", "must be in 1...100000, got \(numJoints)") }
        let layoutSum = jointLayout.reduce(0) { $0 + min($1.joints, 100_000) }
        guard layoutSum == numJoints else {
            throw fail("num_joints", "is \(numJoints) but joint_layout sums to \(layoutSum)")
        }
        guard (1...8).contains(coords.count) else { throw fail("coords", "needs 1...8 channel names, got \(coords.count)") }
        guard Set(coords).count == coords.count else { throw fail("coords", "repeats a channel: \(coords)") }
        if let nanPolicy, nanPolicy != "zero" { throw fail("nan_policy", "only \"zero\" is supported, got \"\(nanPolicy)\"") }
        if let zeroedJoints {
            for (i, joint) in zeroedJoints.enumerated() where !(0..<numJoints).contains(joint) {
                throw fail("zeroed_joints[\(i)]", "must be a joint index in 0..<\(numJoints), got \(joint)")
            }
            guard Set(zeroedJoints).count == zeroedJoints.count else { throw fail("zeroed_joints", "repeats a joint") }
        }
        if let normalizeJoints {
            guard normalizeJoints.count == 2, normalizeJoints[0] != normalizeJoints[1] else {
                throw fail("normalize_joints", "must be two distinct joint indices, got \(normalizeJoints)")
            }
            for (i, joint) in normalizeJoints.enumerated() where !(0..<numJoints).contains(joint) {
                throw fail("normalize_joints[\(i)]", "must be a joint index in 0..<\(numJoints), got \(joint)")
            }
            if let zeroed = zeroedJoints, !Set(zeroed).isDisjoint(with: normalizeJoints) {
                throw fail("normalize_joints", "\(normalizeJoints) must not be zeroed joints")
            }
            guard coords.count >= 2 else { throw fail("normalize_joints", "needs x and y (coords has \(coords.count))") }
        }
        if let handLocal {
            var used = Set<Int>()
            let zeroed = Set(zeroedJoints ?? [])
            for (i, hand) in handLocal.enumerated() {
                let field = "hand_local[\(i)]"
                // count ≤ numJoints − first rather than first + count ≤ numJoints: no overflow on hostile values.
                guard hand.count >= 1, (0..<numJoints).contains(hand.first), hand.count <= numJoints - hand.first,
                      (0..<numJoints).contains(hand.origin), (0..<numJoints).contains(hand.scale) else {
                    throw fail(field, "needs count ≥ 1 and joints in 0..<\(numJoints), got origin \(hand.origin), scale \(hand.scale), first \(hand.first), count \(hand.count)")
                }
                guard hand.origin != hand.scale, !hand.joints.contains(hand.origin) else {
                    throw fail(field, "needs an origin outside its joints and a scale joint other than the origin")
                }
                guard used.isDisjoint(with: hand.joints) else { throw fail(field, "uses joints another hand uses") }
                used.formUnion(hand.joints)
                if zeroed.contains(hand.origin) || zeroed.contains(hand.scale) || hand.joints.contains(where: zeroed.contains) {
                    throw fail(field, "must not use zeroed joints")
                }
            }
            guard coords.count >= 2 else { throw fail("hand_local", "needs x and y (coords has \(coords.count))") }
        }
        guard (1...1000).contains(window) else { throw fail("window", "must be in 1...1000, got \(window)") }
        // Scratch grows with T·J rows; bound it so a hostile manifest cannot demand gigabytes.
        guard window * numJoints <= Self.maxWindowRows else {
            throw fail("window", "window × num_joints = \(window * numJoints) rows exceeds \(Self.maxWindowRows)")
        }
        guard (1...1000).contains(stride) else { throw fail("stride", "must be in 1...1000, got \(stride)") }
        guard !channels.isEmpty else { throw fail("channels", "is empty") }
        for (i, c) in channels.enumerated() where !(1...4096).contains(c) {
            throw fail("channels[\(i)]", "must be in 1...4096, got \(c)")
        }
        guard kernel == 3 else { throw fail("kernel", "only kernel 3 (padding = dilation) is supported, got \(kernel)") }
        guard dilations.count == channels.count else {
            throw fail("dilations", "has \(dilations.count) entries for \(channels.count) blocks")
        }
        for (i, d) in dilations.enumerated() where !(1...1000).contains(d) {
            throw fail("dilations[\(i)]", "must be in 1...1000, got \(d)")
        }
        guard (1...4096).contains(gruHidden) else { throw fail("gru_hidden", "must be in 1...4096, got \(gruHidden)") }
        guard (1...4096).contains(signerEmbedding) else {
            throw fail("signer_embedding", "must be in 1...4096, got \(signerEmbedding)")
        }
        guard heads >= 1, featureDim % heads == 0 else {
            throw fail("heads", "\(heads) heads do not divide the feature width \(featureDim)")
        }
        guard graph.kind == "chain" else { throw fail("graph.kind", "only \"chain\" is supported, got \"\(graph.kind)\"") }
        guard graph.selfLoops else { throw fail("graph.self_loops", "must be true (SignSTGCN adds the identity)") }
        guard graph.normalization == "symmetric" else {
            throw fail("graph.normalization", "only \"symmetric\" is supported, got \"\(graph.normalization)\"")
        }
        guard graph.degreeEpsilon.isFinite, graph.degreeEpsilon >= 0 else {
            throw fail("graph.degree_epsilon", "must be finite and non-negative, got \(graph.degreeEpsilon)")
        }
        if let openSet {
            guard !binary else { throw fail("open_set", "is for multi-class heads; a binary head has no `unknown` answer") }
            guard openSet.score == OpenSet.maxMeanProbability else {
                throw fail("open_set.score", "only \"\(OpenSet.maxMeanProbability)\" is defined, got \"\(openSet.score)\"")
            }
            guard (0...1).contains(openSet.unknownBelow) else {
                throw fail("open_set.unknown_below", "must be in 0...1, got \(openSet.unknownBelow)")
            }
            if let background = openSet.backgroundLabel, !labels.contains(background) {
                throw fail("open_set.background_label", "\"\(background)\" is not one of the labels")
            }
        }
        if let operatingPoint {
            guard binary else { throw fail("operating_point", "is for binary heads: it sets when a segment starts and ends") }
            for (field, value) in [("enter_threshold", operatingPoint.enterThreshold), ("exit_threshold", operatingPoint.exitThreshold)]
            where !(0...1).contains(value) {
                throw fail("operating_point.\(field)", "must be in 0...1, got \(value)")
            }
            guard operatingPoint.exitThreshold <= operatingPoint.enterThreshold else {
                throw fail("operating_point.exit_threshold",
                           "must be ≤ enter_threshold (\(operatingPoint.enterThreshold)), got \(operatingPoint.exitThreshold)")
            }
        }
        if !binary, let i = labels.firstIndex(of: Self.unknownLabel) {
            throw fail("labels[\(i)]", "\"\(Self.unknownLabel)\" is the open-set answer and cannot name a class")
        }
        guard poseStats.dim == 2 * coords.count else {
            throw fail("pose_stats.dim", "must be 2·C = \(2 * coords.count) (means then stds), got \(poseStats.dim)")
        }
        guard (1...100_000).contains(numClasses) else { throw fail("num_classes", "must be in 1...100000, got \(numClasses)") }
        guard labels.count == numClasses else {
            throw fail("labels", "has \(labels.count) entries but num_classes is \(numClasses)")
        }
        if binary {
            guard numClasses == 2 else { throw fail("binary", "a binary head needs num_classes 2, got \(numClasses)") }
            let index = signingIndex ?? 1
            guard (0..<2).contains(index) else { throw fail("signing_index", "must be 0 or 1, got \(index)") }
            if class0IsSigning == true, index != 0 {
                throw fail("signing_index", "class0_is_signing is true but signing_index is \(index)")
            }
        } else if let signingIndex, !(0..<numClasses).contains(signingIndex) {
            throw fail("signing_index", "must be in 0..<\(numClasses), got \(signingIndex)")
        }
    }
}
