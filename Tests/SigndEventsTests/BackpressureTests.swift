import Foundation
import SigndEvents
import SigndTestSupport
import XCTest

/// A slow or absent subscriber never blocks the publisher nor grows its memory without bound.
final class BackpressureTests: XCTestCase {
    static let messages = 100_000
    /// ~2 KB payloads: 100k of them unbounded would be ~200 MB.
    static let padding = String(repeating: "x", count: 2_000)

    /// Publishes `messages` events from a helper thread; fails (instead of hanging) if that takes over 5
    /// minutes, which only a blocked send could cause. Returns the outcomes.
    func publishMany(_ publisher: EventPublisher) throws -> [PublishOutcome] {
        let results = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Thread {
            var outcomes: [PublishOutcome] = []
            outcomes.reserveCapacity(Self.messages)
            for _ in 0..<Self.messages {
                if let outcome = try? publisher.publish(.health(HealthEvent(status: .ok, message: Self.padding)), frame: nil) {
                    outcomes.append(outcome)
                }
            }
            results.set(outcomes)
            done.signal()
        }.start()
        XCTAssertEqual(done.wait(timeout: .now() + 300), .success, "publish blocked")
        return results.get()
    }

    /// Unbounded queueing would grow by ~200 MB. Not checked under a sanitizer, whose own memory (ASan's
    /// quarantine of freed blocks, TSan's shadow) is counted in RSS too.
    func assertBoundedGrowth(_ growth: Int, file: StaticString = #filePath, line: UInt = #line) {
        if let sanitizer = Sanitizer.active {
            print("RSS bound not checked under the \(sanitizer.rawValue) sanitizer (growth \(growth >> 20) MiB)")
            return
        }
        XCTAssertLessThan(growth, 48 << 20, "RSS grew by \(growth >> 20) MiB", file: file, line: line)
    }

    func testNoSubscriberAtAll() throws {
        let publisher = try EventPublisher(configuration: .init(camera: "c", endpoints: ["tcp://127.0.0.1:*"]))
        defer { publisher.close() }
        let rssBefore = Helpers.residentBytes()
        let outcomes = try publishMany(publisher)
        let growth = Helpers.residentBytes() - rssBefore
        XCTAssertEqual(outcomes.count, Self.messages)
        XCTAssertEqual(outcomes.last?.seq, UInt64(Self.messages - 1))
        assertBoundedGrowth(growth)
        print("no subscriber: RSS growth \(growth >> 10) KiB over \(Self.messages) × 2 KB events")
    }

    /// A connected subscriber that never reads: ZeroMQ queues up to the high-water marks, then drops for it.
    /// When it finally reads it sees increasing seq with gaps, never a reordering.
    func testStalledSubscriberPerSubscriberDrops() throws {
        let publisher = try EventPublisher(configuration: .init(camera: "c", endpoints: ["tcp://127.0.0.1:*"],
                                                                sendHighWaterMark: 1000))
        defer { publisher.close() }
        let subscriber = try EventSubscriber(endpoint: publisher.boundEndpoints[0], receiveHighWaterMark: 1000)
        defer { subscriber.close() }
        XCTAssertTrue(try Helpers.waitUntilSubscribed(publisher, subscriber))
        let rssBefore = Helpers.residentBytes()
        let outcomes = try publishMany(publisher)
        let growth = Helpers.residentBytes() - rssBefore
        XCTAssertEqual(outcomes.count, Self.messages)
        XCTAssertTrue(outcomes.allSatisfy { if case .queued = $0 { true } else { false } },
                      "a plain PUB queues or silently drops; it never refuses")
        assertBoundedGrowth(growth)

        var seqs: [UInt64] = []
        while let event = try subscriber.receive(timeoutMilliseconds: 1_000) { seqs.append(event.message.envelope.seq) }
        XCTAssertGreaterThan(seqs.count, 0)
        XCTAssertLessThan(seqs.count, Self.messages / 2, "most events should have been dropped for the stalled reader")
        XCTAssertEqual(seqs, seqs.sorted(), "seq must only increase")
        XCTAssertEqual(Set(seqs).count, seqs.count)
        print("stalled subscriber: received \(seqs.count) of \(Self.messages); RSS growth \(growth >> 10) KiB")
    }

    /// `.wholeMessage` (ZMQ_XPUB_NODROP): drops become visible to the publisher and are counted.
    func testStalledSubscriberWholeMessageDropsAreCounted() throws {
        let publisher = try EventPublisher(configuration: .init(camera: "c", endpoints: ["tcp://127.0.0.1:*"],
                                                                sendHighWaterMark: 500, dropMode: .wholeMessage))
        defer { publisher.close() }
        let subscriber = try EventSubscriber(endpoint: publisher.boundEndpoints[0], receiveHighWaterMark: 500)
        defer { subscriber.close() }
        XCTAssertTrue(try Helpers.waitUntilSubscribed(publisher, subscriber))
        let probes = publisher.statistics.published[.health] ?? 0
        let outcomes = try publishMany(publisher)
        let dropped = outcomes.filter { if case .dropped = $0 { true } else { false } }.count
        XCTAssertEqual(outcomes.count, Self.messages)
        XCTAssertGreaterThan(dropped, Self.messages / 2)
        let stats = publisher.statistics
        XCTAssertEqual(stats.dropped, UInt64(dropped))
        XCTAssertEqual(stats.queued + stats.dropped, UInt64(Self.messages) + probes)
        // Multipart integrity: what does arrive is whole [topic, JSON] messages in seq order.
        var seqs: [UInt64] = []
        while let event = try subscriber.receive(timeoutMilliseconds: 1_000) { seqs.append(event.message.envelope.seq) }
        XCTAssertEqual(seqs, seqs.sorted())
        print("whole-message mode: \(dropped) of \(Self.messages) counted as dropped, \(seqs.count) received")
    }
}

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: [PublishOutcome] = []
    func set(_ v: [PublishOutcome]) { lock.withLock { value = v } }
    func get() -> [PublishOutcome] { lock.withLock { value } }
}
