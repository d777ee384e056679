import Foundation
import Logging
import SigndConfig
import SigndDaemon
import SigndEvents
import SigndTestSupport
import XCTest

/// Runs the daemon to the end of its sources while a SUB client on the first endpoint collects every event
/// (all cameras' topics); returns them in arrival order.
func collectingEvents(of config: SigndConfiguration, file: StaticString = #filePath, line: UInt = #line) throws -> [ReceivedEvent] {
    let run = try daemonRun(config, file: file, line: line)
    _ = try run.outcome.get()
    return run.events
}

/// The same, also when the run fails: the events published before it did, and how it ended.
func daemonRun(_ config: SigndConfiguration, curve: CurveClientConfiguration? = nil, file: StaticString = #filePath, line: UInt = #line) throws
    -> (events: [ReceivedEvent], outcome: Result<RunSummary, any Error>) {
    let subscriber = try EventSubscriber(endpoint: config.events.endpoints[0], curve: curve)
    let received = Recorder<ReceivedEvent>()
    let done = Recorder<Bool>()
    let box = UncheckedBox(subscriber)
    let finished = Recorder<Bool>()
    let reader = Thread {
        defer { finished.append(true) }
        while true {
            if let event = try? box.value.receive(timeoutMilliseconds: 300) {
                received.append(event)
            } else if !done.values.isEmpty {
                return  // quiet after the daemon finished: everything in flight has arrived
            }
        }
    }
    reader.start()
    // The pause lets the subscription reach the PUB socket before the first event.
    let outcome = Result { try Daemon(config: config, logger: Logger(label: "test")).run { _ in Thread.sleep(forTimeInterval: 0.3) } }
    done.append(true)
    // Close only once the reader has returned (it drains what is still on its way first): a ZeroMQ socket is
    // used by one thread at a time, and polling Thread.isExecuting orders nothing (ThreadSanitizer reported
    // close() racing receive()).
    if finished.wait(timeout: 10, until: { !$0.isEmpty }) {
        subscriber.close()
    } else {
        XCTFail("the subscriber thread did not finish", file: file, line: line)
    }
    return (received.values, outcome.mapError { $0 })
}

/// Hands a value that is used by one thread at a time to another thread.
final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
