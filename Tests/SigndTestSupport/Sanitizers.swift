import Foundation

/// The sanitizer this test process was built with (scripts/test-sanitize), found by its runtime's
/// exported entry point. Tests whose bounds measure the process itself (RSS, timing) relax them there:
/// ASan keeps freed memory in quarantine (up to 256 MB) and TSan shadows every allocation.
public enum Sanitizer: String, Sendable {
    case address, thread

    public static let active: Sanitizer? = {
        guard let handle = dlopen(nil, RTLD_NOW) else { return nil }
        defer { dlclose(handle) }
        if dlsym(handle, "__asan_init") != nil { return .address }
        if dlsym(handle, "__tsan_init") != nil { return .thread }
        return nil
    }()
}
