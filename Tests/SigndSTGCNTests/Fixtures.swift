import Foundation
import SigndSTGCN
import SigndTestSupport
import XCTest

/// The parity fixtures of the PyTorch twin (`python -m signstgcn.fixtures`), made on this machine at test
/// time with the pinned torch in `.venv`: the same seeds give the same weights and inputs bit for bit as the
/// committed `Tests/Fixtures/stgcn` (Training/tests/test_fixtures.py checks that), while PyTorch's outputs
/// depend on the CPU's kernels (MKL, ATen SIMD level) by a few ulps. Swift is compared with this machine's
/// PyTorch; the committed outputs are a regression guard for the Python side only.
enum STGCNFixtures {
    static let cases = [
        "additive_binary_j75_c2", "additive_c100_j75_c2", "film_binary_j75_c3",
        "film_c100_j553_c2", "additive_binary_j553_c3",
    ]

    /// The folder with every case, generated once per test run.
    static func directory() throws -> URL {
        let python = try ReferencePython.require(ReferencePython.main)
        let data = TestPaths.shared.appendingPathComponent("data")
        try SetupRequirement.require(FileManager.default.fileExists(atPath: data.path), "\(data.path) (the fixtures' real windows)")
        return try ReferenceCache.shared.folder("stgcn") { out in
            try runProcess(python, ["-m", "signstgcn.fixtures", "--out", out.path, "--data", data.path, "--keep-weights"],
                           currentDirectory: TestPaths.packageRoot.appendingPathComponent("Training"))
        }
    }

    static func stem(_ name: String) throws -> URL { try directory().appendingPathComponent(name).appendingPathComponent("model") }

    static func model(_ name: String) throws -> STGCNModel {
        try STGCNModel.load(stem: stem(name))
    }

    static func expected(_ name: String) throws -> SafetensorsFile {
        try SafetensorsFile(url: directory().appendingPathComponent(name).appendingPathComponent("expected.safetensors"))
    }
}

/// Largest |a − b| (NaN counts as infinite).
func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "compared arrays differ in size: \(a.count) vs \(b.count)")
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        let d = abs(x - y)
        worst = max(worst, d.isNaN ? .infinity : d)
    }
    return worst
}

/// Builds safetensors files for the error tests (tensors in the order given, contiguous data).
struct SafetensorsWriter {
    struct Entry {
        var name: String
        var dtype: String
        var shape: [Int]
        var bytes: Data
    }

    var entries: [Entry] = []

    init() {}

    /// All tensors of an existing file, in offset order.
    init(copying file: SafetensorsFile) throws {
        for info in file.tensors.values.sorted(by: { $0.begin < $1.begin }) {
            entries.append(Entry(name: info.name, dtype: info.dtype.rawValue, shape: info.shape, bytes: try file.rawBytes(info.name)))
        }
    }

    mutating func remove(_ name: String) { entries.removeAll { $0.name == name } }

    mutating func set(_ name: String, dtype: String = "F32", shape: [Int], bytes: Data) {
        remove(name)
        entries.append(Entry(name: name, dtype: dtype, shape: shape, bytes: bytes))
    }

    mutating func set(_ name: String, floats: [Float], shape: [Int]) {
        set(name, shape: shape, bytes: floats.withUnsafeBytes { Data($0) })
    }

    /// Header JSON (with optional offset overrides) and the data section.
    func encode(offsets override: [String: [Int]] = [:]) -> Data {
        var header: [String: Any] = ["__metadata__": ["format": "test"]]
        var data = Data()
        for e in entries {
            let begin = data.count
            data.append(e.bytes)
            header[e.name] = ["dtype": e.dtype, "shape": e.shape, "data_offsets": override[e.name] ?? [begin, data.count]]
        }
        let json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        return Self.frame(header: json, data: data)
    }

    static func frame(header: Data, data: Data) -> Data {
        var out = Data()
        var n = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(header)
        out.append(data)
        return out
    }
}

/// A scratch directory removed after the test.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("signd-stgcn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ name: String, _ data: Data) throws -> URL {
        let file = url.appendingPathComponent(name)
        try data.write(to: file)
        return file
    }
}
