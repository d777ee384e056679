import Foundation
@testable import SigndNpz
import SigndTestSupport
import XCTest

/// Bounded, seeded fuzz of the .npy decoder and the .npz reader on mutations of a real landmark file: every
/// input decodes or is refused with an NpyError; none may crash.
final class NpzFuzzTests: XCTestCase {
    func testMutatedArraysAndArchivesNeverCrash() throws {
        var mutator = Mutator(seed: 0x4E50_5A21)
        let archive = TestPaths.fixtures.appendingPathComponent("eval/a_signing.npz")
        let npy = Array(NpyFormat.encode(try XCTUnwrap(try NpzArchive.read(archive)["pose"])))
        let zip = Array(try Data(contentsOf: archive))
        let dir = try TemporaryDirectory(prefix: "signd-npz-fuzz")
        defer { dir.remove() }
        let file = dir.appending("f.npz")
        for i in 0..<Mutator.iterations(default: 400) {
            do { _ = try NpyFormat.decode(Data(mutator.mutate(npy)), member: "f.npz:pose") } catch {}
            if i % 4 == 0 {
                try Data(mutator.mutate(zip)).write(to: file)
                do { _ = try NpzArchive.read(file) } catch {}
            }
        }
    }
}
