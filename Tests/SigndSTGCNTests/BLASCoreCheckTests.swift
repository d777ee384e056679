import SigndSTGCN
import XCTest

/// The start-up advice for an OpenBLAS that fell back to generic kernels (see BLASCoreCheck).
final class BLASCoreCheckTests: XCTestCase {
    private let avx512: Set<String> = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]

    func testGenericKernelsOnABetterCPUGetTheRightCoreType() throws {
        let skylake = try XCTUnwrap(BLASCoreCheck.advice(coreName: "Prescott", cpuFlags: avx512, environmentValue: nil))
        XCTAssertTrue(skylake.contains("OPENBLAS_CORETYPE=SkylakeX") && skylake.contains("Environment="), skylake)
        let haswell = try XCTUnwrap(BLASCoreCheck.advice(coreName: "Prescott", cpuFlags: ["avx", "avx2", "fma"], environmentValue: nil))
        XCTAssertTrue(haswell.contains("OPENBLAS_CORETYPE=Haswell"), haswell)
    }

    func testNoAdviceWhenTheChoiceIsFineOrAlreadyForced() {
        XCTAssertNil(BLASCoreCheck.advice(coreName: "SkylakeX", cpuFlags: avx512, environmentValue: nil), "recognised CPU")
        XCTAssertNil(BLASCoreCheck.advice(coreName: "Haswell", cpuFlags: avx512, environmentValue: nil), "a vector kernel was chosen")
        XCTAssertNil(BLASCoreCheck.advice(coreName: "Prescott", cpuFlags: ["sse3", "ssse3"], environmentValue: nil), "nothing better exists")
        XCTAssertNil(BLASCoreCheck.advice(coreName: "Prescott", cpuFlags: avx512, environmentValue: "Haswell"), "the operator chose")
        // AVX-512F alone (no BW/DQ/VL) is not enough for OpenBLAS's SkylakeX kernels: fall back to Haswell.
        let partial = BLASCoreCheck.advice(coreName: "Prescott", cpuFlags: ["avx", "avx2", "fma", "avx512f"], environmentValue: nil)
        XCTAssertTrue(partial?.contains("=Haswell") == true, partial ?? "nil")
        XCTAssertNil(BLASCoreCheck.betterCore(coreName: "Prescott", cpuFlags: ["avx2", "fma"], environmentValue: nil),
                     "Haswell's kernels also need AVX")
    }

    /// The start-up log says which kernels run and who chose them (signd's re-execution sets the marker).
    func testDescriptionNamesWhoChoseTheKernels() {
        XCTAssertEqual(BLASCoreCheck.describe(coreName: "Haswell", environment: [:]), "OpenBLAS kernels: Haswell (OpenBLAS's own choice)")
        XCTAssertEqual(BLASCoreCheck.describe(coreName: "Haswell", environment: ["OPENBLAS_CORETYPE": "Haswell"]),
                       "OpenBLAS kernels: Haswell (OPENBLAS_CORETYPE=Haswell from the environment)")
        let chosen = BLASCoreCheck.describe(coreName: "SkylakeX", environment: ["OPENBLAS_CORETYPE": "SkylakeX",
                                                                              BLASCoreCheck.detectedVariable: "Prescott"])
        XCTAssertTrue(chosen.hasPrefix("OpenBLAS kernels: SkylakeX (OpenBLAS took this CPU for Prescott, so signd set OPENBLAS_CORETYPE=SkylakeX"), chosen)
    }
}

/// OpenBLAS runs one thread unless the operator named a number.
final class BLASThreadsTests: XCTestCase {
    func testOneThreadUnlessConfigured() {
        XCTAssertFalse(BLASThreads.useOneUnlessConfigured(environment: ["OPENBLAS_NUM_THREADS": "2"]), "the operator's choice stands")
        XCTAssertFalse(BLASThreads.useOneUnlessConfigured(environment: ["OMP_NUM_THREADS": "2"]))
        XCTAssertTrue(BLASThreads.useOneUnlessConfigured(environment: [:]))
        XCTAssertEqual(BLASThreads.current, 1)
    }
}
