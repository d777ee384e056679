import Foundation

/// Numerically stable softmax (max subtracted). An empty input gives an empty output.
public func softmax(_ logits: [Float]) -> [Float] {
    guard let top = logits.max() else { return [] }
    if !top.isFinite { return logits.map { _ in .nan } }
    let e = logits.map { expf($0 - top) }
    let sum = e.reduce(0, +)
    return e.map { $0 / sum }
}

/// The k largest values with their indices, largest first; ties keep the lower index first.
public func topK(_ values: [Float], k: Int) -> [(index: Int, value: Float)] {
    guard k > 0 else { return [] }
    let ordered = values.enumerated().sorted { a, b in
        a.element != b.element ? a.element > b.element : a.offset < b.offset
    }
    return ordered.prefix(k).map { (index: $0.offset, value: $0.element) }
}

extension STGCNManifest {
    /// P(signing) = softmax(logits)[signing index] for a binary head; nil for a multi-class head or
    /// logits of the wrong length.
    public func signingProbability(_ logits: [Float]) -> Float? {
        guard let index = signingClass, logits.count == numClasses else { return nil }
        return softmax(logits)[index]
    }
}
