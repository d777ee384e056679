#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SigndSystemd
import SigndTestSupport
import XCTest

final class NotifierTests: XCTestCase {
    func checkProtocol(abstract: Bool) throws {
        let socket = try NotifySocket(abstract: abstract)
        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address])
        XCTAssertTrue(notifier.isEnabled)
        try notifier.ready()
        XCTAssertEqual(socket.receive(), "READY=1")
        try notifier.ready(status: "capturing from /dev/video0")
        XCTAssertEqual(socket.receive(), "READY=1\nSTATUS=capturing from /dev/video0")
        try notifier.status("30.0 fps in\n29.5 out")
        XCTAssertEqual(socket.receive(), "STATUS=30.0 fps in 29.5 out", "a newline would start a new assignment")
        try notifier.watchdog()
        XCTAssertEqual(socket.receive(), "WATCHDOG=1")
        try notifier.stopping()
        XCTAssertEqual(socket.receive(), "STOPPING=1")
        try notifier.reloading()
        let reloading = try XCTUnwrap(socket.receive())
        XCTAssertTrue(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="), reloading)
        XCTAssertNotNil(UInt64(reloading.split(separator: "=").last!))
        try notifier.extendTimeout(by: .seconds(20))
        XCTAssertEqual(socket.receive(), "EXTEND_TIMEOUT_USEC=20000000")
    }

    func testPathSocket() throws { try checkProtocol(abstract: false) }

    func testAbstractSocket() throws { try checkProtocol(abstract: true) }

    func testWithoutNotifySocketEverythingIsANoOp() throws {
        let notifier = try SystemdNotifier(environment: [:])
        XCTAssertFalse(notifier.isEnabled)
        XCTAssertNil(notifier.watchdogInterval)
        try notifier.ready()
        try notifier.watchdog()
        try notifier.stopping()
        XCTAssertFalse(SystemdNotifier.disabled.isEnabled)
    }

    func testWatchdogInterval() throws {
        let own = try SystemdNotifier(environment: ["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": String(getpid())])
        XCTAssertEqual(own.watchdogInterval, .seconds(10))
        XCTAssertEqual(own.watchdogPingInterval, .seconds(5))
        XCTAssertEqual(try SystemdNotifier(environment: ["WATCHDOG_USEC": "2500"]).watchdogInterval, .microseconds(2500))
        // WATCHDOG_PID names another process: the watchdog is not ours.
        XCTAssertNil(try SystemdNotifier(environment: ["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "1"],
                                         pid: 4242).watchdogInterval)
        XCTAssertThrowsError(try SystemdNotifier(environment: ["WATCHDOG_USEC": "10s"])) {
            XCTAssertEqual($0 as? SystemdNotifyError, .invalidVariable(name: "WATCHDOG_USEC", value: "10s"))
        }
        XCTAssertThrowsError(try SystemdNotifier(environment: ["WATCHDOG_USEC": "0"]))
        XCTAssertThrowsError(try SystemdNotifier(environment: ["WATCHDOG_USEC": "100", "WATCHDOG_PID": "x"])) {
            XCTAssertEqual($0 as? SystemdNotifyError, .invalidVariable(name: "WATCHDOG_PID", value: "x"))
        }
    }

    func testBadSocketsAreTypedErrors() throws {
        XCTAssertThrowsError(try SystemdNotifier(environment: ["NOTIFY_SOCKET": "relative/path"])) {
            guard case SystemdNotifyError.invalidSocketAddress("relative/path", _) = $0 else { return XCTFail("\($0)") }
        }
        let long = "/" + String(repeating: "a", count: 200)
        XCTAssertThrowsError(try SystemdNotifier(environment: ["NOTIFY_SOCKET": long]))
        // Nobody listening: the send fails with the socket named and errno's text.
        let missing = "/tmp/signd-no-such-socket-\(UUID().uuidString.prefix(8))"
        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": missing])
        XCTAssertThrowsError(try notifier.ready()) {
            guard case SystemdNotifyError.system(operation: "sendto", socket: missing, errno: ENOENT) = $0 else {
                return XCTFail("\($0)")
            }
            XCTAssertTrue("\($0)".contains("No such file or directory"), "\($0)")
        }
    }

    /// Watchdog pings from several threads at once all arrive (the notifier is Sendable and stateless).
    func testConcurrentPings() throws {
        let socket = try NotifySocket(abstract: true)
        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address])
        let reader = DispatchSemaphore(value: 0)
        let received = ReceivedCount()
        Thread {
            for _ in 0..<40 where socket.receive() == "WATCHDOG=1" { received.increment() }
            reader.signal()
        }.start()
        DispatchQueue.concurrentPerform(iterations: 40) { _ in try? notifier.watchdog() }
        XCTAssertEqual(reader.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(received.value, 40)
    }

    /// A receiver that never reads (its queue holds ~10 datagrams): notifications fail after the send
    /// timeout with a typed error instead of blocking the caller for ever.
    func testFullReceiverQueueTimesOut() throws {
        let socket = try NotifySocket(abstract: true)
        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address], sendTimeout: .milliseconds(50))
        var failure: SystemdNotifyError?
        for _ in 0..<200 {
            do { try notifier.watchdog() } catch { failure = error; break }
        }
        guard case .system(operation: "sendto", socket: socket.address, errno: EAGAIN) = failure else {
            return XCTFail("expected EAGAIN after the queue filled, got \(String(describing: failure))")
        }
        XCTAssertEqual(socket.receive(), "WATCHDOG=1", "the queued ones are intact")
    }
}

final class ReceivedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
