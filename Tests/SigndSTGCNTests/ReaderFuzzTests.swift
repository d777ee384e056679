import Foundation
import SigndSTGCN
import SigndTestSupport
import XCTest

/// Bounded, seeded fuzz of the safetensors reader and the manifest reader on mutations of the committed
/// fixture head: every input loads or is refused with an STGCNError; none may crash.
final class ReaderFuzzTests: XCTestCase {
    private let stem = TestPaths.fixtures.appendingPathComponent("stgcn/additive_binary_j75_c2/model")

    func testMutatedManifestsNeverCrash() throws {
        var mutator = Mutator(seed: 0x4D41_4E49)
        let manifest = Array(try Data(contentsOf: stem.appendingPathExtension("manifest.json")))
        for _ in 0..<Mutator.iterations(default: 600) {
            do { _ = try STGCNManifest.decode(Data(mutator.mutate(manifest)), file: "fuzz.manifest.json") } catch {}
        }
    }

    /// The header is where the reader's arithmetic lives; the tensor data after it is kept short so each
    /// round stays cheap.
    func testMutatedSafetensorsHeadersNeverCrash() throws {
        var mutator = Mutator(seed: 0x5346_5445)
        let whole = try Data(contentsOf: stem.appendingPathExtension("safetensors"))
        let headerLength = Int(whole.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        let head = Array(whole.prefix(8 + headerLength + 4096))
        for _ in 0..<Mutator.iterations(default: 400) {
            do { _ = try SafetensorsFile(data: Data(mutator.mutate(head)), path: "fuzz.safetensors") } catch {}
        }
    }
}
