import Foundation

/// References computed on this machine at test time by the pinned Python packages (`scripts/setup --dev`):
/// an exactness claim is only meaningful against the same runtime on the same CPU, because XNNPACK, MKL and
/// OpenBLAS choose their kernels (and so their float32 rounding) by CPU. Committed fixtures only guard
/// against regressions, with float32 tolerances.
public enum ReferencePython {
    /// `.venv`: PyTorch, safetensors, ai-edge-litert 2.3.0 (numpy 2).
    public static var main: URL { TestPaths.packageRoot.appendingPathComponent(".venv/bin/python") }
    /// `.venv-mediapipe`: MediaPipe Python 0.10.21 (numpy 1.26).
    public static var mediapipe: URL { TestPaths.packageRoot.appendingPathComponent(".venv-mediapipe/bin/python") }

    /// The interpreter at `url`, or a setup error naming it.
    public static func require(_ url: URL) throws -> String {
        try SetupRequirement.require(FileManager.default.isExecutableFile(atPath: url.path),
                                     "\(url.path) (scripts/setup --dev creates it)")
        return url.path
    }
}

/// Runs a reference generator at most once per test process and keeps its output folder for the run
/// (several tests read the same reference; the folders live under the temp directory).
public final class ReferenceCache: @unchecked Sendable {
    public static let shared = ReferenceCache()

    private let lock = NSLock()
    private var made: [String: Result<URL, Error>] = [:]

    /// The folder for `key`, filled by `generate(folder)` the first time it is asked for. A failure is
    /// remembered too, so every dependent test reports it without rerunning the generator.
    public func folder(_ key: String, generate: (URL) throws -> Void) throws -> URL {
        lock.lock()
        defer { lock.unlock() }
        if let result = made[key] { return try result.get() }
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("signd-reference-\(getpid())-\(key)")
        let result = Result<URL, Error> {
            try? FileManager.default.removeItem(at: dir)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try generate(dir)
            return dir
        }
        made[key] = result
        return try result.get()
    }
}

/// Float32 comparison for committed fixtures: |Δ| ≤ `relative` · max(|reference|max, `floor`), elementwise
/// over the whole tensor. Scaling by the tensor's largest magnitude (not per element) is what a changed
/// summation order produces: a few ulps of the largest partial sums, whatever the element's own size.
public struct Float32Tolerance: Sendable {
    public let relative: Float
    public let floor: Float

    public init(relative: Float, floor: Float = 1) {
        self.relative = relative
        self.floor = floor
    }

    /// The bound for this reference tensor.
    public func bound(for reference: [Float]) -> Float {
        relative * max(reference.map { abs($0) }.filter(\.isFinite).max() ?? 0, floor)
    }

    /// Largest |a − b| (NaN or a count mismatch count as infinite) and whether it is within the bound.
    public func check(_ actual: [Float], _ reference: [Float]) -> (maxAbsDiff: Float, bound: Float, ok: Bool) {
        let b = bound(for: reference)
        guard actual.count == reference.count else { return (.infinity, b, false) }
        var worst: Float = 0
        for (x, y) in zip(actual, reference) {
            let d = abs(x - y)
            worst = max(worst, d.isNaN ? .infinity : d)
        }
        return (worst, b, worst <= b)
    }
}

extension ReferencePython {
    /// Frames of each bundled clip in the refined-face reference.
    public static let refinedFrames = 45

    /// MediaPipe Python Holistic with `refine_face_landmarks=True` (478-point faces) on the first
    /// `refinedFrames` frames of both bundled clips, run now on this machine: `<folder>/<clip stem>.npz`.
    public static func refinedHolistic() throws -> URL {
        let python = try require(mediapipe)
        let script = TestPaths.packageRoot.appendingPathComponent("Tools/mediapipe_reference.py").path
        return try ReferenceCache.shared.folder("mediapipe-holistic-refined") { out in
            try runProcess(python, [script, "--refine-face", "--max-frames", "\(refinedFrames)", "--out", out.path]
                           + ["mmaction2_test.avi", "msl150_hoy_001.mp4"].map { TestPaths.samples.appendingPathComponent($0).path })
        }
    }
}

extension ReferencePython {
    /// The head stem of parity fixture `name` (Tests/Fixtures/stgcn). Three cases commit only the sha256 of
    /// their weights (the seed regenerates them; Training/tests/test_fixtures.py checks the digest): those
    /// are generated once per run with `python -m signstgcn.fixtures --models-only`.
    public static func stgcnFixtureStem(_ name: String) throws -> String {
        let committed = TestPaths.fixtures.appendingPathComponent("stgcn/\(name)/model")
        if FileManager.default.fileExists(atPath: committed.path + ".safetensors") { return committed.path }
        let python = try require(main)
        let folder = try ReferenceCache.shared.folder("stgcn-models") { out in
            try runProcess(python, ["-m", "signstgcn.fixtures", "--models-only", "--out", out.path],
                           currentDirectory: TestPaths.packageRoot.appendingPathComponent("Training"))
        }
        return folder.appendingPathComponent("\(name)/model").path
    }
}
