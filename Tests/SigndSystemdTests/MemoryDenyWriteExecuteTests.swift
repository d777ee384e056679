import Foundation
import SigndTestSupport
import XCTest

/// systemd/run-under-mdwe.py applies the kernel's memory-deny-write-execute rule (what the units'
/// MemoryDenyWriteExecute=yes enforces) so the daemon can be checked under it without systemd.
final class MemoryDenyWriteExecuteTests: XCTestCase {
    static let wrapper = TestPaths.packageRoot.appendingPathComponent("systemd/run-under-mdwe.py").path
    static let probe = """
        import mmap
        try:
            mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
            print("allowed")
        except PermissionError:
            print("refused")
        """

    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProcessCombined("/usr/bin/env", arguments)
    }

    func testWrapperRefusesWritableExecutableMemory() throws {
        guard (try? run(["python3", "-c", "pass"]))?.status == 0 else { throw SetupRequirement.missing("python3 not found") }
        XCTAssertEqual(try run(["python3", "-c", Self.probe]).output, "allowed\n", "baseline: W+X allowed without it")
        let wrapped = try run(["python3", Self.wrapper, "python3", "-c", Self.probe])
        if wrapped.status == 69 { throw XCTSkip("kernel without PR_SET_MDWE (< 6.3): \(wrapped.output)") }
        XCTAssertEqual(wrapped.output, "refused\n")
    }

    /// The built daemon starts under the rule (the Swift runtime needs no writable code).
    func testSigndStartsUnderMemoryDenyWriteExecute() throws {
        guard let signd = BuiltSignd.path else { throw SetupRequirement.missing("signd is not built next to the tests") }
        let wrapped = try run(["python3", Self.wrapper, signd, "--help"])
        if wrapped.status == 69 { throw XCTSkip("kernel without PR_SET_MDWE (< 6.3)") }
        XCTAssertEqual(wrapped.status, 0, wrapped.output)
    }
}

/// The built `signd` next to the test executable. (TestPaths.signdBinary looks one directory too high on
/// Linux, where Bundle.main.bundleURL is the build folder itself; both places are tried.)
enum BuiltSignd {
    static var path: String? {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("signd").path
        return [TestPaths.signdBinary.path, besideTests].first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
