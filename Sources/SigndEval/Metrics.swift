/// One scored sample: a probability and whether the truth is signing.
public struct Sample: Sendable, Equatable {
    public var score: Double
    public var positive: Bool
    public init(score: Double, positive: Bool) { self.score = score; self.positive = positive }
}

/// Threshold metrics and the threshold-free PR-AUC of a set of samples.
public struct BinaryMetrics: Sendable, Equatable, Codable {
    public var samples: Int
    public var positives: Int
    /// Average precision Σ (Rₙ − Rₙ₋₁)·Pₙ over distinct score thresholds (scikit-learn's definition);
    /// nil when there is no positive sample.
    public var prAUC: Double?
    public var threshold: Double
    public var truePositives: Int
    public var falsePositives: Int
    public var falseNegatives: Int
    public var trueNegatives: Int
    /// tp / (tp + fp); 0 when nothing is predicted positive.
    public var precision: Double
    /// tp / (tp + fn); 0 when there is no positive.
    public var recall: Double
    public var f1: Double

    enum CodingKeys: String, CodingKey {
        case samples, positives, prAUC = "pr_auc", threshold, truePositives = "tp", falsePositives = "fp"
        case falseNegatives = "fn", trueNegatives = "tn", precision, recall, f1
    }

    /// A sample is predicted signing when score ≥ threshold.
    public init(_ samples: [Sample], threshold: Double) {
        self.samples = samples.count
        positives = samples.filter(\.positive).count
        self.threshold = threshold
        var tp = 0, fp = 0, fn = 0, tn = 0
        for s in samples {
            switch (s.score >= threshold, s.positive) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, true): fn += 1
            case (false, false): tn += 1
            }
        }
        truePositives = tp; falsePositives = fp; falseNegatives = fn; trueNegatives = tn
        precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0
        recall = tp + fn > 0 ? Double(tp) / Double(tp + fn) : 0
        f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        prAUC = BinaryMetrics.averagePrecision(samples)
    }

    public static func averagePrecision(_ samples: [Sample]) -> Double? {
        let curve = prCurve(samples)
        guard !curve.isEmpty else { return nil }
        var ap = 0.0, previousRecall = 0.0
        for point in curve {
            ap += (point.recall - previousRecall) * point.precision
            previousRecall = point.recall
        }
        return ap
    }

    /// (recall, precision) after each distinct threshold, from the highest score down; empty without positives.
    public static func prCurve(_ samples: [Sample]) -> [(recall: Double, precision: Double, threshold: Double)] {
        let p = samples.filter(\.positive).count
        guard p > 0 else { return [] }
        let sorted = samples.sorted { $0.score > $1.score }
        var out: [(recall: Double, precision: Double, threshold: Double)] = []
        var tp = 0, fp = 0, i = 0
        while i < sorted.count {
            let score = sorted[i].score
            while i < sorted.count, sorted[i].score == score {
                if sorted[i].positive { tp += 1 } else { fp += 1 }
                i += 1
            }
            out.append((Double(tp) / Double(p), Double(tp) / Double(tp + fp), score))
        }
        return out
    }
}

/// Mean and median of a list (nil when empty).
public struct Summary: Sendable, Equatable, Codable {
    public var count: Int
    public var mean: Double?
    public var median: Double?
    public init(_ values: [Double]) {
        count = values.count
        mean = values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
        let s = values.sorted()
        median = s.isEmpty ? nil : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
