#if canImport(Glibc)
import Glibc
#endif
import SigndSTGCN

/// OpenBLAS chooses its kernels once, when the dynamic loader runs its constructor (before `main`), and on a
/// CPU its table does not know it falls back to generic SSE3 kernels however wide the CPU's vectors are
/// (BLASCoreCheck: the multi-class head 3.6× slower). The environment at load time is the only way to choose,
/// so `signd` re-executes itself once, same arguments and process id, with OPENBLAS_CORETYPE set to what the
/// CPU's flags support. An OPENBLAS_CORETYPE the operator set (any value) stands and stops the re-execution,
/// so the second start does not repeat it.
enum OpenBLASKernelChoice {
    static func reexecuteWithBetterKernelsIfNeeded() {
        guard let better = BLASCoreCheck.betterCoreForThisMachine() else { return }
        setenv("OPENBLAS_CORETYPE", better, 1)
        setenv(BLASCoreCheck.detectedVariable, BLASCoreCheck.coreName, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when exec failed (no /proc): carry on with the generic kernels; HeadsStage warns.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(BLASCoreCheck.detectedVariable)
    }
}
