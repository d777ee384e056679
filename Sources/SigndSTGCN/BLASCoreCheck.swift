import COpenBLAS
import Foundation

/// OpenBLAS 0.3.21 (Debian 12) picks its kernels from the CPU model it recognises; on a newer or virtualised
/// CPU it does not know, it falls back to generic SSE3 kernels ("Prescott") even when the CPU has AVX2 or
/// AVX-512. Measured on such a machine (Benchmarks/stgcn-latency.sh, an AVX-512 Xeon that OpenBLAS reported as
/// Prescott): a full binary-head window took 15.0 ms with Prescott and 4.2 ms with OPENBLAS_CORETYPE=SkylakeX,
/// streaming 4.7 → 2.0 ms. OpenBLAS reads the variable when it loads, so it must be set in the environment
/// (the systemd unit); this check only says so.
public enum BLASCoreCheck {
    /// The kernel family to ask for, when OpenBLAS runs generic kernels on a CPU with better ones; nil when
    /// its choice is fine or the variable is already set.
    public static func advice(coreName: String, cpuFlags: Set<String>, environmentValue: String?) -> String? {
        guard environmentValue == nil, ["prescott", "core2", "nehalem", "katmai", "coppermine", "northwood", "banias"]
            .contains(coreName.lowercased()) else { return nil }
        let better: String
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]) {
            better = "SkylakeX"
        } else if cpuFlags.isSuperset(of: ["avx2", "fma"]) {
            better = "Haswell"
        } else {
            return nil
        }
        return "OpenBLAS did not recognise this CPU and runs generic \(coreName) kernels although the CPU has "
            + "\(better == "SkylakeX" ? "AVX-512" : "AVX2"); the heads run several times slower than they could. "
            + "Set OPENBLAS_CORETYPE=\(better) in the environment (systemd: Environment=OPENBLAS_CORETYPE=\(better))"
    }

    /// `advice` for this process: OpenBLAS's own choice and this CPU's flags (/proc/cpuinfo).
    public static func adviceForThisMachine() -> String? {
        let core = openblas_get_corename().map { String(cString: $0) } ?? ""
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flagsLine = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        let flags = Set(flagsLine.split(separator: ":").dropFirst().joined().split(separator: " ").map(String.init))
        return advice(coreName: core, cpuFlags: flags, environmentValue: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"])
    }
}
