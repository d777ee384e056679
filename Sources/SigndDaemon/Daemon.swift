import Foundation
import Logging
import SigndCapture
import SigndConfig
import SigndCore
import SigndEvents
import SigndHeads
import SigndSystemd
import Synchronization

/// Totals of one run, for the command line and tests.
public struct RunSummary: Sendable, Equatable {
    public var framesIn: Int
    public var framesOut: Int
    public var droppedFrames: Int
    public var seconds: Double
}

/// The frame loop: capture → landmarks → windows → (heads) → events, on the calling thread, until the
/// source ends or `requestStop()` is called (SIGTERM). Owns the publisher and the systemd notifications.
public final class Daemon: Sendable {
    public let config: SigndConfiguration
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    private let reloadRequested = Atomic<Bool>(false)
    private let reloader: ConfigReloader?

    /// - Parameter reloader: how to re-read the configuration on `requestReload()` (SIGHUP); nil: reload
    ///   requests are logged and ignored.
    public init(config: SigndConfiguration, logger: Logger, reloader: ConfigReloader? = nil) {
        self.config = config
        self.logger = logger
        self.reloader = reloader
    }

    /// Asks the loop to finish the current frame and shut down cleanly. Safe from any thread.
    public func requestStop() { stopRequested.store(true, ordering: .relaxed) }

    /// Asks the loop to re-read the configuration between two frames (SIGHUP). Safe from any thread.
    public func requestReload() { reloadRequested.store(true, ordering: .relaxed) }

    private var shouldStop: Bool { stopRequested.load(ordering: .relaxed) }

    /// Runs the pipeline: one camera loop on the calling thread, or with a `cameras:` list one thread per
    /// camera, sharing the models, the event publisher and systemd's notifications. `onPublisherReady` is
    /// called once the event sockets are bound and before the first frame (e.g. to attach a printing
    /// subscriber). `onFrame` sees each processed frame's stage timestamps (`signd bench`; on the camera's
    /// thread); nil in normal runs. With several cameras the summary adds theirs up (the longest run's
    /// seconds), and the first camera that failed (in list order) is the error, once every loop has ended.
    public func run(onPublisherReady: (EventPublisher) -> Void = { _ in },
                    onFrame: ((FrameTimings) -> Void)? = nil) throws(DaemonError) -> RunSummary {
        let notifier: SystemdNotifier
        do { notifier = config.systemd.notify ? try SystemdNotifier() : .disabled } catch { throw .config("systemd: \(error)", cause: error) }
        let publisher = try makePublisher()
        defer { publisher.close() }
        onPublisherReady(publisher)
        let cameras = config.cameraList
        // Metrics, MQTT and the live view serve every camera.
        let integrations = try Integrations(config: config, cameras: cameras.map(\.id), logger: logger)
        defer { integrations.stop() }
        let supervisor = LoopSupervisor(notifier: notifier, config: config, loops: cameras.count, logger: logger)
        // One set of weights for every camera: the landmark interpreters (each camera tracks on its own and
        // takes turns per model) and the heads (each camera keeps its own windows and segments).
        let landmarkModels = config.landmarks.enabled ? try HolisticLandmarkStage.loadModels(config.landmarks, logger: logger) : nil
        let headModels = try HeadsStage.loadModels(config: config, logger: logger)

        var loops: [CameraLoop] = []
        var opened: [String] = []
        var status: StatusServer?
        do throws(DaemonError) {
            for (i, camera) in cameras.enumerated() {
                var cameraLogger = logger
                if cameras.count > 1 { cameraLogger[metadataKey: "camera"] = "\(camera.id)" }
                loops.append(try CameraLoop(index: i, camera: camera, config: config, landmarkModels: landmarkModels, headModels: headModels,
                                            publisher: publisher,
                                            integrations: integrations, supervisor: supervisor, logger: cameraLogger))
            }
            for loop in loops { opened.append(try loop.open()) }
            // One endpoint for every camera: a request names the camera (StatusServer).
            if let endpoint = config.events.statusEndpoint {
                let initial = loops.map { $0.statusSnapshot(framesOut: 0, uptimeSeconds: 0) }
                do { status = try StatusServer(endpoint: endpoint, initial: initial) } catch {
                    throw .events("events.status_endpoint: \(error)", cause: error)
                }
            }
        } catch {
            for loop in loops { loop.abandon() }
            throw error
        }
        defer { status?.stop() }
        // Ready once the models are loaded, the sockets bound and the sources opened (or being awaited).
        supervisor.notify {
            try notifier.ready(status: cameras.count == 1 ? opened[0] : zip(cameras, opened).map { "\($0.id): \($1)" }.joined(separator: "; "))
        }
        defer { supervisor.notify { try notifier.stopping() } }

        let results: [Result<RunSummary, DaemonError>]
        if loops.count == 1 {
            results = [runLoop(loops[0], publisher: publisher, status: status, onFrame: onFrame)]
        } else {
            results = runConcurrently(loops, publisher: publisher, status: status, onFrame: onFrame)
        }
        var total = RunSummary(framesIn: 0, framesOut: 0, droppedFrames: 0, seconds: 0)
        for result in results {
            let summary = try result.get()
            total.framesIn += summary.framesIn
            total.framesOut += summary.framesOut
            total.droppedFrames += summary.droppedFrames
            total.seconds = max(total.seconds, summary.seconds)
        }
        return total
    }

    private func runLoop(_ loop: CameraLoop, publisher: EventPublisher, status: StatusServer?, onFrame: ((FrameTimings) -> Void)?) -> Result<RunSummary, DaemonError> {
        Result { () throws(DaemonError) in
            try loop.run(shouldStop: { shouldStop }, takeReloadRequest: { reloadRequested.exchange(false, ordering: .relaxed) },
                         reload: { reload(from: $0, publisher: publisher) }, status: status, onFrame: onFrame)
        }
    }

    /// Each camera's loop on its own thread; returns when all have ended, their results in camera order.
    private func runConcurrently(_ loops: [CameraLoop], publisher: EventPublisher, status: StatusServer?, onFrame: ((FrameTimings) -> Void)?) -> [Result<RunSummary, DaemonError>] {
        let results = Locked<[Result<RunSummary, DaemonError>?]>(Array(repeating: nil, count: loops.count))
        let done = DispatchGroup()
        // `onFrame` is the caller's (bench's) and runs on each camera's thread.
        nonisolated(unsafe) let onFrame = onFrame
        for (i, loop) in loops.enumerated() {
            done.enter()
            let thread = Thread { [self] in
                let result = runLoop(loop, publisher: publisher, status: status, onFrame: onFrame)
                results.withLock { $0[i] = result }
                done.leave()
            }
            thread.name = "signd-\(loop.config.cameraID)"
            thread.start()
        }
        done.wait()
        return results.withLock { $0.map { $0! } }
    }

    /// Re-reads the configuration and applies what is shared by every camera (the event endpoints, the log
    /// level); returns the configuration every camera loop then applies (`LoopSupervisor.applied`), or nil
    /// (after logging why) when it could not be read or applied, in which case the running one stays.
    private func reload(from old: SigndConfiguration, publisher: EventPublisher) -> SigndConfiguration? {
        guard let reloader else {
            logger.warning("reload requested, but this run cannot re-read its configuration")
            return nil
        }
        let new: SigndConfiguration
        do { new = try reloader.load() } catch {
            logger.error("reload failed, keeping the running configuration: \(error)")
            return nil
        }
        let (applied, pending) = ConfigReloader.split(running: old, file: new)
        do {
            // The heads' new values are checked before anything changes, so every camera can apply them.
            try applied.heads.settings().validate()
            if applied.events.endpoints != old.events.endpoints { try publisher.rebind(to: applied.events.endpoints) }
        } catch {
            logger.error("reload failed, keeping the running configuration: \(error)")
            return nil
        }
        reloader.setLogLevel(applied.logLevel)
        if !pending.isEmpty {
            logger.warning("changed keys that take effect only after a restart: \(pending.joined(separator: ", "))")
        }
        logger.notice("configuration reloaded", metadata: ["endpoints": "\(publisher.boundEndpoints.joined(separator: ","))"])
        return applied
    }

    // MARK: setup

    private func makePublisher() throws(DaemonError) -> EventPublisher {
        let events = config.events
        var curve: CurveServerConfiguration?
        if let c = events.curve {
            do {
                let secret = try CurveKey(z85: c.serverSecretKey, name: "events.curve.server_secret_key")
                if let expected = c.serverPublicKey, try secret.derivedPublicKey().z85 != expected {
                    throw DaemonError.config("events.curve.server_public_key does not belong to server_secret_key")
                }
                var allowed = Set<CurveKey>()
                for (i, key) in c.allowedClientKeys.enumerated() {
                    allowed.insert(try CurveKey(z85: key, name: "events.curve.allowed_client_keys[\(i)]"))
                }
                curve = CurveServerConfiguration(secretKey: secret, clients: .allowList(allowed))
            } catch let error as DaemonError {
                throw error
            } catch {
                throw .config("\(error)", cause: error)
            }
        }
        do {
            return try EventPublisher(configuration: EventPublisherConfiguration(
                camera: config.cameraID, endpoints: events.endpoints, sendHighWaterMark: events.sendHighWaterMark,
                lingerMilliseconds: events.lingerMillis, curve: curve))
        } catch { throw .events(error.description, cause: error) }
    }

}
