import Foundation
import SigndCore
import SigndEvents
import SigndTestSupport
import Synchronization
import XCTest

enum Helpers {
    static func temporaryDirectory() throws -> URL {
        // Short path under /tmp: ipc:// paths must fit in sockaddr_un (107 bytes).
        let url = URL(fileURLWithPath: "/tmp").appendingPathComponent("signd-ev-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let schemaURL = TestPaths.packageRoot.appendingPathComponent("docs/events.schema.json")

    /// One event of every kind and every variant, with optional fields both set and unset.
    static var everyEvent: [(Event, Int?)] {
        var landmarks = HolisticLandmarks.empty(withFace: true)
        for i in 0..<landmarks.pose.count { landmarks.pose[i] = Float(i % 4) * 0.25 }
        for i in 0..<landmarks.rightHand.count { landmarks.rightHand[i] = 0.5 }
        landmarks.rightHand[4] = .nan  // a hole inside a detected part becomes null
        var withFace = landmarks
        withFace.face = (0..<HolisticLandmarks.faceJoints * HolisticLandmarks.faceChannels).map { Float($0 % 97) / 97 + 1e-7 }
        let stamp = FrameStamp(index: 7, captureNanos: 123_456_789, sourceMillis: 233.3)
        return [
            (.frame(FrameEvent(stamp: stamp, landmarks: landmarks, probability: 0.25, landmarkEncoding: nil)), 7),
            (.frame(FrameEvent(stamp: stamp, landmarks: landmarks, probability: nil, landmarkEncoding: .json)), 7),
            (.frame(FrameEvent(stamp: stamp, landmarks: withFace, probability: nil, landmarkEncoding: .json)), 7),
            (.frame(FrameEvent(stamp: stamp, landmarks: withFace, probability: 0.5, landmarkEncoding: .f32Base64)), 7),
            (.frame(FrameEvent(captureNanos: 1, sourceMillis: nil, probability: nil,
                               present: LandmarkPresence(pose: false, leftHand: false, rightHand: false, face: false))), 0),
            (.state(StateEvent(phase: .start, segment: 0, startFrame: 30, startMonoNanos: 99, startWall: 1.7e9,
                               durationMillis: 0, probability: 0.8, segmentID: "0b6f7f0e-2c1d-4b8a-9e3f-5a6b7c8d9e0f")), 30),
            (.state(StateEvent(phase: .update, segment: 0, startFrame: 30, startMonoNanos: 99, startWall: 1.7e9,
                               durationMillis: 500, probability: 0.9, segmentID: "0b6f7f0e-2c1d-4b8a-9e3f-5a6b7c8d9e0f")), 45),
            (.state(StateEvent(phase: .end, segment: 0, startFrame: 30, startMonoNanos: 99, startWall: 1.7e9,
                               durationMillis: 1500, probability: 0.1,
                               summary: SegmentSummary(endFrame: 75, frames: 45, meanProbability: 0.82,
                                                       maxProbability: 0.97,
                                                       sign: SegmentSign(label: "hello", score: 0.66, windows: 5)), segmentID: "0b6f7f0e-2c1d-4b8a-9e3f-5a6b7c8d9e0f")), 75),
            // A segment under heads.confirm_frames: a tentative start, its confirmation, an end that says so.
            (.state(StateEvent(phase: .start, segment: 1, startFrame: 90, startMonoNanos: 3_000_000_099, startWall: 1.7e9 + 3,
                               durationMillis: 0, probability: 0.7, segmentID: "1c7f8f1f-3d2e-4c9b-8f4a-6b7c8d9e0f1a", confirmed: false)), 92),
            (.state(StateEvent(phase: .confirm, segment: 1, startFrame: 90, startMonoNanos: 3_000_000_099, startWall: 1.7e9 + 3,
                               durationMillis: 733, probability: 0.8, segmentID: "1c7f8f1f-3d2e-4c9b-8f4a-6b7c8d9e0f1a", confirmed: true)), 112),
            (.state(StateEvent(phase: .end, segment: 1, startFrame: 90, startMonoNanos: 3_000_000_099, startWall: 1.7e9 + 3,
                               durationMillis: 1200, probability: 0.2,
                               summary: SegmentSummary(endFrame: 126, frames: 37, meanProbability: 0.75, maxProbability: 0.9, sign: nil),
                               reason: .signingStopped, segmentID: "1c7f8f1f-3d2e-4c9b-8f4a-6b7c8d9e0f1a", confirmed: true)), 135),
            (.sign(SignEvent(label: "hello", score: 0.7, top: [.init(label: "hello", score: 0.7), .init(label: "thanks", score: 0.2)],
                             windowStartFrame: 51, windowEndFrame: 75, segment: 0, model: "asl-demo", segmentID: "0b6f7f0e-2c1d-4b8a-9e3f-5a6b7c8d9e0f")), 75),
            (.sign(SignEvent(label: SignEvent.unknown, score: 0.4, top: [.init(label: "signing", score: 0.4)], windowStartFrame: 0, windowEndFrame: 24)), 24),
            (.stats(StatsEvent(intervalSeconds: 5, fpsIn: 30, fpsOut: 29.5, framesIn: 1500, framesOut: 1480,
                               droppedFrames: 20,
                               stages: [.init(name: "landmarks", p50Millis: 21.5, p99Millis: 40.2, count: 148),
                                        .init(name: "heads", p50Millis: 1.1, p99Millis: 2.5, count: 148)],
                               publishDrops: 0, uptimeSeconds: 50.2).withProcess()), nil),
            (.health(HealthEvent(status: .ok)), nil),
            (.health(HealthEvent(status: .degraded, message: "source reconnecting")), nil),
            (.health(HealthEvent(status: .error, message: "model failed")), nil),
            (.source(.opened(width: 640, height: 480, fps: 30)), nil),
            (.source(.opened(width: nil, height: nil, fps: nil)), nil),
            (.source(.lost(message: "read timeout after 2000 ms")), nil),
            (.source(.reconnecting(attempt: 1, backoffMillis: 500)), nil),
            (.source(.reconnected(attempt: 3)), nil),
            (.source(.ended), nil),
            (.source(.error(message: "cannot open rtsp://camera/stream")), nil),
        ]
    }

    /// Publishes health probes until `subscriber` receives one (PUB/SUB subscriptions take a moment to
    /// reach the publisher), then drains what is queued. Returns false if nothing arrives in `seconds`.
    static func waitUntilSubscribed(_ publisher: EventPublisher, _ subscriber: EventSubscriber, seconds: Double = 10)
        throws -> Bool
    {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            try publisher.publish(.health(HealthEvent(status: .ok, message: "probe")), frame: nil)
            if try subscriber.receive(timeoutMilliseconds: 20) != nil {
                while try subscriber.receive(timeoutMilliseconds: 50) != nil {}
                return true
            }
        }
        return false
    }

    /// Resident set size of this process, bytes.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    struct ProcessResult {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    /// Runs a program, killing it after `timeout` seconds.
    static func run(_ executable: String, _ arguments: [String], input: Data? = nil, timeout: Double = 60)
        throws -> ProcessResult
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        let stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        // The mutexes live in a class: a local Mutex captured by the escaping handlers is a boxed variable, and
        // each withLock is a formal access to that box, which TSan reports as a race with the main thread's.
        let collected = CollectedOutput()
        out.fileHandleForReading.readabilityHandler = { h in
            let d = h.availableData
            collected.out.withLock { $0.append(d) }
        }
        err.fileHandleForReading.readabilityHandler = { h in
            let d = h.availableData
            collected.err.withLock { $0.append(d) }
        }
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                process.terminate()
                break
            }
            usleep(10_000)
        }
        process.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        let restOut = out.fileHandleForReading.readDataToEndOfFile()
        let restErr = err.fileHandleForReading.readDataToEndOfFile()
        collected.out.withLock { $0.append(restOut) }
        collected.err.withLock { $0.append(restErr) }
        return ProcessResult(
            status: process.terminationStatus,
            stdout: String(decoding: collected.out.withLock { $0 }, as: UTF8.self),
            stderr: String(decoding: collected.err.withLock { $0 }, as: UTF8.self),
            timedOut: timedOut)
    }

    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}

/// Publishes health events from a background thread until stopped (for the example subscribers).
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}

final class BackgroundPublishing: Sendable {
    private let stopFlag = StopFlag()
    private let done = DispatchSemaphore(value: 0)

    init(_ publisher: EventPublisher, every micros: UInt32 = 5_000) {
        let stopFlag = self.stopFlag
        let done = self.done
        let thread = Thread {
            var frame = 0
            while !stopFlag.isSet {
                _ = try? publisher.publish(
                    .frame(FrameEvent(captureNanos: Clock.monotonicNanos(), sourceMillis: nil, probability: 0.5,
                                      present: LandmarkPresence(pose: true, leftHand: false, rightHand: true,
                                                                face: false))),
                    frame: frame)
                _ = try? publisher.publish(.health(HealthEvent(status: .ok, message: "tick \(frame)")), frame: nil)
                frame += 1
                usleep(micros)
            }
            done.signal()
        }
        thread.start()
    }

    func stop() {
        stopFlag.set()
        done.wait()
    }
}

extension StatsEvent {
    /// The process fields the daemon always fills in.
    func withProcess() -> StatsEvent {
        var event = self
        event.rssBytes = 123_456_789
        event.cpuSeconds = 12.5
        event.version = "0.1.0"
        event.models = [.init(role: "binary", name: "signing-binary", sha256: String(repeating: "ab", count: 32))]
        return event
    }
}

/// A child process's stdout and stderr as they arrive on the pipes' handler threads.
private final class CollectedOutput: Sendable {
    let out = Mutex(Data())
    let err = Mutex(Data())
}
