import Foundation

/// Problems reading evaluation inputs; each names the file, line or video.
public enum EvalError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case badLine(file: String, line: Int, problem: String)
    case noVideos(directory: String, reason: String)
    case landmarks(file: String, reason: String)
    case plot(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): return "\(file): \(reason)"
        case .badLine(let file, let line, let problem): return "\(file), line \(line): \(problem)"
        case .noVideos(let directory, let reason): return "\(directory): \(reason)"
        case .landmarks(let file, let reason): return "\(file): \(reason)"
        case .plot(let file, let reason): return "plot \(file): \(reason)"
        }
    }
}

/// Which ground-truth labels count as signing, and which are left out of every metric.
public struct LabelSets: Sendable, Equatable {
    public var positive: Set<String>
    public var ignored: Set<String>
    public init(positive: Set<String> = ["s", "S"], ignored: Set<String> = ["?"]) {
        self.positive = positive
        self.ignored = ignored
    }
}

/// `groundtruth.txt`: one `video frame label` per line (whitespace-separated), frame = row of the video's
/// `.npz`. Blank lines and `#` comments are skipped; a later (video, frame) replaces an earlier one (the
/// seed's rule). A line that is not `video integer label` is an error naming the line.
public struct GroundTruth: Sendable {
    public private(set) var labels: [String: [Int: String]] = [:]

    public init(labels: [String: [Int: String]]) { self.labels = labels }

    public static func load(_ url: URL) throws(EvalError) -> GroundTruth {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw .unreadable(file: url.path, reason: "cannot read as UTF-8 text (\(error.localizedDescription))")
        }
        var labels: [String: [Int: String]] = [:]
        // isNewline also splits "\r\n", which Swift keeps as one Character.
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 3 else {
                throw .badLine(file: url.path, line: n + 1, problem: "expected `video frame label`, got '\(line)'")
            }
            guard let frame = Int(fields[1]), frame >= 0 else {
                throw .badLine(file: url.path, line: n + 1, problem: "frame '\(fields[1])' is not a non-negative integer")
            }
            labels[String(fields[0]), default: [:]][frame] = String(fields[2])
        }
        return GroundTruth(labels: labels)
    }

    /// The majority label of frames `range` (ignored labels and unlabelled frames left out); ties go to the
    /// smallest string in byte order, as the seed's `np.unique` does. nil: no labelled frame.
    public func windowLabel(video: String, frames range: ClosedRange<Int>, sets: LabelSets) -> String? {
        guard let frames = labels[video] else { return nil }
        var counts: [String: Int] = [:]
        for f in range { if let l = frames[f], !sets.ignored.contains(l) { counts[l, default: 0] += 1 } }
        return counts.max { a, b in a.value != b.value ? a.value < b.value : Array(a.key.utf8).lexicographicallyPrecedes(Array(b.key.utf8)) == false }?.key
    }

    /// Signing segments: maximal runs of positive frames not interrupted by a negative labelled frame
    /// (unlabelled and ignored frames in between are bridged). Returns (onset, offset) frame pairs.
    public func segments(video: String, sets: LabelSets) -> [ClosedRange<Int>] {
        guard let frames = labels[video] else { return [] }
        var out: [ClosedRange<Int>] = []
        var current: ClosedRange<Int>?
        for f in frames.keys.sorted() {
            let l = frames[f]!
            if sets.ignored.contains(l) { continue }
            if sets.positive.contains(l) {
                current = current.map { $0.lowerBound...f } ?? f...f
            } else if let c = current {
                out.append(c)
                current = nil
            }
        }
        if let current { out.append(current) }
        return out
    }
}
