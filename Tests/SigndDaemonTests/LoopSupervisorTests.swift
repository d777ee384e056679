import Foundation
import Logging
import SigndConfig
@testable import SigndDaemon
import SigndSystemd
import SigndTestSupport
import XCTest

/// What the camera loops share with systemd, on a real notify socket: the watchdog is fed only once every
/// loop has gone round since the last ping, the status line joins the cameras' parts, and a reload reaches
/// every loop once.
final class LoopSupervisorTests: XCTestCase {
    func testWatchdogWaitsForEveryLoopAndStatusJoinsTheCameras() throws {
        let socket = try NotifySocket()
        defer { socket.release() }
        // A 2 µs watchdog: the ping interval (half of it) has always passed, so only the loops decide.
        let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "2"])
        var config = SigndConfiguration()
        config.systemd.statusIntervalSeconds = 0
        let supervisor = LoopSupervisor(notifier: notifier, config: config, loops: 2, logger: Logger(label: "test"))
        var seen: [String] = []
        func step(_ name: String, _ body: () -> Void) throws {
            body()
            try notifier.status("after \(name)")   // a marker: what came before it was sent by `body`
            while let datagram = socket.receive() {
                seen.append(datagram)
                if datagram == "STATUS=after \(name)" { return }
            }
            XCTFail("marker \(name) never arrived")
        }
        try step("0") { supervisor.alive(0, now: 1_000) }
        try step("0 again") { supervisor.alive(0, now: 2_000) }
        try step("1") { supervisor.alive(1, now: 3_000) }
        try step("1 again") { supervisor.alive(1, now: 4_000) }
        try step("0 last") { supervisor.alive(0, now: 5_000) }
        try step("status door") { supervisor.status(0, camera: "door", now: 6_000) { "30.0 fps" } }
        try step("status desk") { supervisor.status(1, camera: "desk", now: 7_000) { "12.5 fps" } }
        XCTAssertEqual(seen, [
            "STATUS=after 0",
            "STATUS=after 0 again",           // camera 1 has not gone round yet: no ping, however long it has been
            "WATCHDOG=1", "STATUS=after 1",
            "STATUS=after 1 again",           // now camera 0 is the one that has not
            "WATCHDOG=1", "STATUS=after 0 last",
            "STATUS=door: 30.0 fps", "STATUS=after status door",
            "STATUS=door: 30.0 fps; desk: 12.5 fps", "STATUS=after status desk",
        ])
    }

    func testAReloadReachesEveryLoopOnce() throws {
        let supervisor = LoopSupervisor(notifier: .disabled, config: SigndConfiguration(), loops: 2, logger: Logger(label: "test"))
        XCTAssertNil(supervisor.applied(after: 0), "nothing reloaded yet")
        var next = SigndConfiguration()
        next.heads.enterThreshold = 0.7
        supervisor.reloaded(next)
        for _ in 0..<2 {   // each loop, from the generation it last applied
            let (generation, config) = try XCTUnwrap(supervisor.applied(after: 0))
            XCTAssertEqual(generation, 1)
            XCTAssertEqual(config.heads.enterThreshold, 0.7)
            XCTAssertNil(supervisor.applied(after: generation), "applied once")
        }
        XCTAssertEqual(supervisor.running.heads.enterThreshold, 0.7)
    }
}
