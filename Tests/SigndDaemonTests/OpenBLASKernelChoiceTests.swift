import Foundation
import SigndSTGCN
import SigndTestSupport
import XCTest

/// The `signd` binary runs its heads on the best OpenBLAS kernels the CPU has, even where OpenBLAS takes the
/// CPU for an old one (it re-executes itself with OPENBLAS_CORETYPE set), and an operator's own
/// OPENBLAS_CORETYPE stands. What the heads run on is read from the daemon's start-up log, which reports
/// `openblas_get_corename()` of the process that runs them.
final class OpenBLASKernelChoiceTests: XCTestCase {
    private var temp: TemporaryDirectory!

    override func setUpWithError() throws {
        temp = try TemporaryDirectory(prefix: "signd-blas")
        _ = try TestPaths.requireSigndBinary()
    }

    override func tearDownWithError() throws { temp.remove() }

    /// The "OpenBLAS kernels: …" line of a three-frame run with the default heads (no landmarks), started
    /// with `coreType` as OPENBLAS_CORETYPE (nil: the variable removed, as systemd starts the unit).
    private func kernelsLine(coreType: String?) throws -> String {
        let config = temp.appending("blas.yaml")
        try """
        camera_id: blas
        log_level: info
        source: {uri: '\(TestPaths.samples.appendingPathComponent("msl150_hoy_001.mp4").path)', max_frames: 3}
        landmarks: {enabled: false}
        events: {endpoints: ['ipc://\(temp.path)/events']}
        systemd: {notify: false}
        """.write(to: config, atomically: true, encoding: .utf8)
        var environment = ["SIGND_MODELS_DIR": TestPaths.models.path]
        environment["OPENBLAS_CORETYPE"] = coreType
        let run = try runProcessCombined(TestPaths.signdBinary.path, ["run", "--config", config.path], environment: environment,
                                         removing: (coreType == nil ? ["OPENBLAS_CORETYPE"] : []) + [BLASCoreCheck.detectedVariable])
        let output = run.output
        XCTAssertEqual(run.status, 0, output)
        let lines = output.split(separator: "\n").filter { $0.contains("OpenBLAS kernels: ") }
        XCTAssertEqual(lines.count, 1, "one report, from one start (no re-execution loop): \(output)")
        return String(try XCTUnwrap(lines.first, output))
    }

    private func core(in line: String) throws -> String {
        let after = try XCTUnwrap(line.range(of: "OpenBLAS kernels: ")).upperBound
        return String(line[after...].prefix { $0 != " " })
    }

    func testTheHeadsRunOnVectorKernelsWhereTheCPUHasThem() throws {
        let line = try kernelsLine(coreType: nil)
        let core = try core(in: line)
        let flags = BLASCoreCheck.cpuFlags()
        if flags.isSuperset(of: ["avx", "avx2", "fma"]) {
            XCTAssertFalse(BLASCoreCheck.isGeneric(core), "generic \(core) kernels on a CPU with AVX2: \(line)")
        }
        if line.contains("so signd set OPENBLAS_CORETYPE=") {
            // OpenBLAS's own choice on this CPU was generic, and the kernels now running are the ones asked for.
            let asked = BLASCoreCheck.betterCore(coreName: "Prescott", cpuFlags: flags, environmentValue: nil)
            XCTAssertEqual(core.lowercased(), asked?.lowercased(), line)
        } else {
            XCTAssertTrue(line.contains("(OpenBLAS's own choice)"), line)
        }
    }

    func testAnOperatorsCoreTypeStands() throws {
        // Prescott runs on every x86-64 CPU, and is exactly what signd would otherwise replace.
        let line = try kernelsLine(coreType: "Prescott")
        XCTAssertEqual(try core(in: line), "Prescott", line)
        XCTAssertTrue(line.contains("(OPENBLAS_CORETYPE=Prescott from the environment)"), line)
    }
}
