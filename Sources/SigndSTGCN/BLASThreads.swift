import COpenBLAS

/// The heads multiply small matrices one window at a time, so OpenBLAS's worker threads gain nothing and
/// spin: `Benchmarks/profile-cpu.sh` with OPENBLAS_NUM_THREADS=2 on 2 cores sampled far more CPU for the same
/// run than with one thread (figures in Benchmarks/README.md). One thread, unless the operator chose a number.
public enum BLASThreads {
    /// Sets OpenBLAS to one thread unless OPENBLAS_NUM_THREADS or OMP_NUM_THREADS is set; true when it did.
    @discardableResult
    public static func useOneUnlessConfigured(environment: [String: String]) -> Bool {
        guard environment["OPENBLAS_NUM_THREADS"] == nil, environment["OMP_NUM_THREADS"] == nil else { return false }
        openblas_set_num_threads(1)
        return true
    }

    /// The number of threads OpenBLAS uses now.
    public static var current: Int { Int(openblas_get_num_threads()) }
}
