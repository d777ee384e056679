import Foundation

/// A value behind a lock: `Synchronization.Mutex`'s `withLock`, on a pthread mutex (NSLock).
///
/// Why not `Mutex`: on Linux its contended path parks in the kernel (futex) inside the uninstrumented
/// Swift runtime, so ThreadSanitizer never sees that unlock → lock hand-over and reports every access
/// the mutex protects as a race once two threads contend (scripts/test-sanitize tsan did, for
/// `publish` from several threads). pthread mutexes are intercepted by TSan, so a real race on this
/// state is still reported. An uncontended lock/unlock costs about the same. Every lock in signd is one of
/// these (docs/sanitizers.md).
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
