import COpenBLAS
import Foundation
import SigndCore

/// OpenBLAS 0.3.21 (Debian 12) picks its kernels from the CPU model it recognises; on a newer or virtualised
/// CPU it does not know, it falls back to generic SSE3 kernels ("Prescott") even when the CPU has AVX2 or
/// AVX-512. Measured on such machines (Benchmarks/stgcn-latency.sh, an AVX-512 Xeon that OpenBLAS reported as
/// Prescott): a full binary-head window took 15.0 ms with Prescott and 4.2 ms with OPENBLAS_CORETYPE=SkylakeX,
/// streaming 4.7 → 2.0 ms; on a 2-core Sapphire Rapids Xeon, also taken for Prescott, the multi-class head
/// 26.9 → 7.5 ms a window (Benchmarks/pipeline-compare.sh 85fda2f). OpenBLAS reads the variable only when it
/// loads, before `main`, so the `signd` executable re-executes itself once with it set
/// (`signd/OpenBLASKernelChoice.swift`); this type decides what to ask for and says what was chosen.
public enum BLASCoreCheck {
    /// Set by signd on its re-execution to the core OpenBLAS had chosen by itself, so the log can say that
    /// signd, not the operator, set OPENBLAS_CORETYPE.
    public static let detectedVariable = "SIGND_OPENBLAS_DETECTED"

    /// OpenBLAS's generic x86 kernel families, chosen when it does not recognise the CPU.
    static let genericCores: Set<String> = ["prescott", "core2", "nehalem", "katmai", "coppermine", "northwood", "banias"]

    /// Whether `core` is one of OpenBLAS's generic x86 kernel families.
    public static func isGeneric(_ core: String) -> Bool { genericCores.contains(core.lowercased()) }

    /// The kernel family to ask for, when OpenBLAS runs generic kernels on a CPU with better ones; nil when
    /// its choice is fine or the operator has set OPENBLAS_CORETYPE (any value: theirs stands).
    public static func betterCore(coreName: String, cpuFlags: Set<String>, environmentValue: String?) -> String? {
        guard environmentValue == nil, isGeneric(coreName) else { return nil }
        if cpuFlags.isSuperset(of: ["avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]) {
            return "SkylakeX"
        }
        if cpuFlags.isSuperset(of: ["avx", "avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// What to tell an operator whose OpenBLAS still runs generic kernels on a better CPU (signd could not
    /// re-execute itself, or the code runs outside the `signd` executable); nil when there is nothing to say.
    public static func advice(coreName: String, cpuFlags: Set<String>, environmentValue: String?) -> String? {
        guard let better = betterCore(coreName: coreName, cpuFlags: cpuFlags, environmentValue: environmentValue) else {
            return nil
        }
        return "OpenBLAS did not recognise this CPU and runs generic \(coreName) kernels although the CPU has "
            + "\(better == "SkylakeX" ? "AVX-512" : "AVX2"); the heads run several times slower than they could. "
            + "Set OPENBLAS_CORETYPE=\(better) in the environment (systemd: Environment=OPENBLAS_CORETYPE=\(better))"
    }

    /// The kernels OpenBLAS runs in this process and who chose them, for the start-up log.
    public static func describe(coreName: String, environment: [String: String]) -> String {
        if let detected = environment[detectedVariable], let set = environment["OPENBLAS_CORETYPE"] {
            return "OpenBLAS kernels: \(coreName) (OpenBLAS took this CPU for \(detected), so signd set "
                + "OPENBLAS_CORETYPE=\(set); set OPENBLAS_CORETYPE yourself to choose)"
        }
        if let set = environment["OPENBLAS_CORETYPE"] {
            return "OpenBLAS kernels: \(coreName) (OPENBLAS_CORETYPE=\(set) from the environment)"
        }
        return "OpenBLAS kernels: \(coreName) (OpenBLAS's own choice)"
    }

    /// OpenBLAS's kernel family in this process.
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "" }

    /// This CPU's feature flags (the first `flags` line of /proc/cpuinfo; empty where there is none).
    public static func cpuFlags() -> Set<String> {
        Set((CPUInfo.firstValue(of: "flags") ?? "").split(separator: " ").map(String.init))
    }

    /// `betterCore` for this process.
    public static func betterCoreForThisMachine(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        betterCore(coreName: coreName, cpuFlags: cpuFlags(), environmentValue: environment["OPENBLAS_CORETYPE"])
    }

    /// `advice` for this process.
    public static func adviceForThisMachine() -> String? {
        advice(coreName: coreName, cpuFlags: cpuFlags(), environmentValue: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"])
    }
}
