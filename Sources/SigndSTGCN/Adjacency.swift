import Foundation

/// The SignSTGCN graph: a chain over the flat joint index 0…J−1 plus self-loops, symmetrically
/// normalised, D^-1/2 (A+I) D^-1/2 with deg_i = Σ_j (A+I)_ij + ε (docs/signstgcn.md §4). It is tri-diagonal, so the
/// graph step is three scaled row adds per joint instead of a dense J×J product.
public struct ChainAdjacency: Sendable, Equatable {
    public let joints: Int
    /// A[i,i−1] (0 for i = 0), A[i,i], A[i,i+1] (0 for i = J−1), and Σ_j A[i,j].
    public let lower: [Float]
    public let diagonal: [Float]
    public let upper: [Float]
    public let rowSum: [Float]

    public init(joints: Int, degreeEpsilon: Float = 1e-6) {
        precondition(joints >= 1, "a chain needs at least one joint")
        self.joints = joints
        // Degrees in float32 exactly as the reference: integer row count plus epsilon, then ^-1/2.
        let invSqrt: [Float] = (0..<joints).map { i in
            let neighbours = (i > 0 ? 1 : 0) + (i < joints - 1 ? 1 : 0)
            let degree = Float(neighbours + 1) + degreeEpsilon
            return 1 / degree.squareRoot()
        }
        var lower = [Float](repeating: 0, count: joints)
        var diagonal = [Float](repeating: 0, count: joints)
        var upper = [Float](repeating: 0, count: joints)
        var rowSum = [Float](repeating: 0, count: joints)
        for i in 0..<joints {
            diagonal[i] = invSqrt[i] * invSqrt[i]
            if i > 0 { lower[i] = invSqrt[i] * invSqrt[i - 1] }
            if i < joints - 1 { upper[i] = invSqrt[i] * invSqrt[i + 1] }
            rowSum[i] = lower[i] + diagonal[i] + upper[i]
        }
        self.lower = lower
        self.diagonal = diagonal
        self.upper = upper
        self.rowSum = rowSum
    }

    /// A[i,j] as the dense J×J matrix would hold it.
    public func entry(_ i: Int, _ j: Int) -> Float {
        if i == j { return diagonal[i] }
        if j == i - 1 { return lower[i] }
        if j == i + 1 { return upper[i] }
        return 0
    }

    /// The dense row-major J×J matrix (tests and tools only).
    public func dense() -> [Float] {
        var out = [Float](repeating: 0, count: joints * joints)
        for i in 0..<joints {
            for j in max(0, i - 1)...min(joints - 1, i + 1) { out[i * joints + j] = entry(i, j) }
        }
        return out
    }
}
