import Foundation
import Logging
import SigndCapture
import SigndConfig
import SigndCore
import SigndEvents
import SigndHeads
import SigndLandmarks

/// One camera's frame loop: capture → landmarks → windows → heads → events, on one thread, until its source
/// ends or the daemon stops. Everything here belongs to this camera (source, tracking, windows, heads state,
/// health, statistics, topics); what the cameras share comes in from the `Daemon`.
///
/// Built on the daemon's thread (`init` loads the stages, `open` opens the source), then run on one thread:
/// never used from two at once, hence `@unchecked Sendable` for the hand-over.
final class CameraLoop: @unchecked Sendable {
    /// The camera this loop runs; a reload keeps it and takes the rest of the new configuration.
    let camera: SigndConfiguration.Camera
    /// This camera's view of the configuration (`camera_id` and `source` are its own).
    let config: SigndConfiguration
    private let index: Int
    private let logger: Logger
    private let outlet: EventOutlet
    private let supervisor: LoopSupervisor
    private let integrations: Integrations?
    private let wake = LoopWake()
    private let landmarkStage: LandmarkStage
    private let heads: HeadsStage?
    private let sourceTracker: SourceTracker
    private var health: HealthMonitor
    private var feed: FrameFeed?

    /// - Parameters:
    ///   - index: the loop's place among the daemon's cameras (for the supervisor).
    ///   - config: the daemon's configuration; the loop runs it for `camera`.
    ///   - landmarkModels: the landmark models all cameras share (nil when `landmarks.enabled` is false).
    ///   - headModels: the heads' shared weights; nil: no heads.
    ///   - integrations: metrics, MQTT and the live view, each serving every camera.
    init(index: Int, camera: SigndConfiguration.Camera, config: SigndConfiguration, landmarkModels: HolisticModels?, headModels: HeadsStage.Models?, publisher: EventPublisher, integrations: Integrations?,
         supervisor: LoopSupervisor, logger: Logger) throws(DaemonError) {
        self.index = index
        self.camera = camera
        let config = config.forCamera(camera)
        self.config = config
        self.logger = logger
        self.supervisor = supervisor
        self.integrations = integrations
        outlet = EventOutlet(publisher: publisher, camera: config.cameraID, observers: integrations?.observers(camera: index) ?? [])
        landmarkStage = try Self.makeLandmarkStage(config, models: landmarkModels, wake: wake, logger: logger)
        heads = try headModels.map { models throws(DaemonError) in try HeadsStage.make(config: config, models: models) }
        health = HealthMonitor(intervalSeconds: config.health.intervalSeconds)
        if heads == nil, config.heads.enabled, config.binaryStem != nil {
            // The default heads are missing (e.g. a models dir laid out for landmarks only): running on is
            // useful for landmarks, but nobody may mistake it for a working detector.
            health.set(.noHeads, .degraded, "no heads loaded (\(config.binaryStem ?? "")): no state or sign events")
        }
        sourceTracker = SourceTracker(outlet: outlet, logger: logger)
    }

    /// Opens the source, after every camera's models are loaded: a live source's grab thread counts the
    /// frames it has to drop, and a load is no reason to drop any. Returns what systemd's start-up status says.
    func open() throws(DaemonError) -> String {
        let tracker = sourceTracker
        let feed = try Self.openFeed(config.source, onEvent: { tracker.handle($0) })
        self.feed = feed
        wake.attach(feed)
        let shown = SourceSpec.redacted(config.source.shownURI)
        if let info = feed.info {
            logger.info("source open", metadata: [
                "source": "\(shown)", "size": "\(info.sizeDescription)", "fps": "\(info.fps)", "backend": "\(info.backend)",
            ])
            return "source open, \(info.width)x\(info.height)"
        }
        // A live source opens on the grab thread: an absent camera is a health problem reported while it is
        // awaited, not a failed start.
        logger.info("opening source", metadata: ["source": "\(shown)"])
        return "opening the source"
    }

    /// Stops a source opened by `open` when the daemon does not start after all.
    func abandon() { feed?.stop() }

    /// This camera's answer on the status endpoint: health, source state, the open segment.
    func statusSnapshot(framesOut: Int, uptimeSeconds: Double) -> StatusSnapshot {
        let open = heads?.pipeline.openSegment
        return StatusSnapshot(camera: config.cameraID, health: health.current, source: sourceTracker.state.description,
                              signing: open != nil, segment: open?.segment, segmentStartFrame: open?.startFrame,
                              framesOut: framesOut, uptimeSeconds: uptimeSeconds, segmentConfirmed: open?.confirmed)
    }

    /// Runs until the source ends or `shouldStop` says so; `open` first. `status`: the daemon's status
    /// endpoint (shared by the cameras), which this loop keeps up to date with its own snapshot.
    func run(shouldStop: () -> Bool, takeReloadRequest: () -> Bool, reload: (SigndConfiguration) -> SigndConfiguration?,
             status: StatusServer?, onFrame: ((FrameTimings) -> Void)?) throws(DaemonError) -> RunSummary {
        guard let feed else { preconditionFailure("CameraLoop.run before open") }
        let startedAt = Clock.monotonicNanos()
        var active = config
        var reloadsApplied = 0
        var stats = LoopStatistics()
        var interval = IntervalCounters()
        var nonFiniteLog = RateLimitedLog()
        func snapshot(_ framesOut: Int) -> StatusSnapshot {
            statusSnapshot(framesOut: framesOut, uptimeSeconds: Double(Clock.monotonicNanos() - startedAt) / 1e9)
        }
        status?.update(snapshot(0))

        /// The timings of the frames in the landmark stage and when each went in, oldest first: the stage
        /// hands frames back in order, maybe later (pipelined), and is timed from outside.
        var inLandmarks: [(timings: FrameTimings, submitted: UInt64)] = []
        // Windows → heads → events for the frames the landmark stage hands back.
        func handOn(_ packets: [FramePacket]) {
            guard !packets.isEmpty else { return }
            let landmarksDone = Clock.monotonicNanos()
            for var packet in packets {
                var (timings, submitted) = inLandmarks.removeFirst()
                assert(timings.index == packet.stamp.index, "the landmark stage handed frames back out of order")
                timings.set(.landmarks, nanos: landmarksDone &- submitted)
                // The heads own the windows (their push is the `window` stage): the loop keeps no copy.
                heads?.run(&packet, timings: &timings)
                if let step = packet.step {
                    if let reset = step.windowReset {
                        interval.windowResets += 1
                        interval.lastReset = reset
                    }
                    if step.nonFiniteOutput {
                        interval.nonFinite += 1
                        nonFiniteLog.log(logger, level: .error, "frame \(packet.stamp.index): the binary head gave a non-finite probability; window not scored",
                                         now: Clock.monotonicNanos())
                    }
                }
                timings.measure(.publish) {
                    // Before the events go out: a client that reacts to a `start` by asking for the status sees it.
                    if let status { status.update(snapshot(stats.framesOut + 1)) }
                    let event = FrameEvent(stamp: packet.stamp, landmarks: packet.landmarks, probability: packet.probability,
                                           landmarkEncoding: active.events.includeLandmarks ? active.events.landmarkEncoding : nil)
                    publish(.frame(event), frame: packet.stamp.index)
                    if let heads, let step = packet.step {
                        for (headEvent, at) in heads.events(of: step) { publish(headEvent, frame: at) }
                    }
                }
                stats.record(timings)
                integrations?.offer(packet.frame, landmarks: packet.landmarks, camera: index, now: Clock.monotonicNanos())
                integrations?.record(timings, camera: index)
                onFrame?(timings)
                stats.framesOut += 1
            }
        }
        // A source gap closes the open segment: windows must not straddle it. The frames still in the
        // landmark stage belong before the gap, so they go out first.
        func gap(_ reason: StateEvent.EndReason) {
            handOn(landmarkStage.drain())
            landmarkStage.reset()
            for (event, frame) in heads?.close(reason: reason) ?? [] { publish(event, frame: frame) }
        }
        var epoch = 0
        let started = Clock.monotonicNanos()
        var lastStats = started
        var statsInterval = LoopSupervisor.nanos(seconds: config.events.statsIntervalSeconds)

        loop: while !shouldStop() {
            let waitStart = Clock.monotonicNanos()
            let result = feed.next()
            let now = Clock.monotonicNanos()
            // From the frame loop: a stalled pipeline stops feeding the watchdog.
            supervisor.alive(index, now: now)
            if sourceTracker.takeLoss() { gap(.sourceLost) }
            if takeReloadRequest() {
                supervisor.notify { try supervisor.notifier.reloading() }
                if let next = reload(supervisor.running) { supervisor.reloaded(next) }
                supervisor.notify { try supervisor.notifier.ready(status: "configuration reloaded") }
            }
            if let (generation, next) = supervisor.applied(after: reloadsApplied) {
                // Every camera applies a reload (the one that read the file included) between two of its frames.
                reloadsApplied = generation
                let mine = next.forCamera(camera)
                do { try heads?.retune(mine) } catch { logger.error("reload: the heads kept their settings: \(error)") }
                active = mine
                statsInterval = LoopSupervisor.nanos(seconds: mine.events.statsIntervalSeconds)
                health.setInterval(seconds: mine.health.intervalSeconds)
            }
            switch result {
            case .finished:
                break loop
            case .idle:
                // No new frame; a pipelined landmark stage may have woken the loop with a finished one.
                handOn(landmarkStage.finished())
            case .frame(let frame):
                // The source's runs, in the frames themselves: a new epoch ends the old run's windows and
                // segment before its first frame is used; a late frame of an old run joins nothing.
                if frame.stamp.epoch < epoch {
                    logger.debug("frame \(frame.stamp.index) of source run \(frame.stamp.epoch) arrived after run \(epoch) began: dropped")
                    continue loop
                }
                if frame.stamp.epoch > epoch {
                    gap(.sourceRestarted)
                    epoch = frame.stamp.epoch
                }
                stats.framesIn += 1
                var timings = FrameTimings(index: frame.stamp.index, captureNanos: frame.stamp.captureNanos)
                timings.set(.capture, nanos: now &- waitStart)
                inLandmarks.append((timings, Clock.monotonicNanos()))
                handOn(landmarkStage.submit(frame))
                if let max = config.source.maxFrames, stats.framesIn >= max { break loop }
            }
            let tick = Clock.monotonicNanos()
            Self.updateSource(&health, sourceTracker.state)
            if tick - lastStats >= statsInterval {
                publishStats(&stats, feed: feed, since: lastStats, now: tick, started: started)
                interval.judge(&health, seconds: Double(tick - lastStats) / 1e9, framesIn: stats.framesIn, dropped: feed.droppedFrames, landmarkFailures: landmarkStage.failures,
                               maxDropRatio: active.health.maxDropRatio)
                integrations?.judge(&health, camera: index, now: tick)
                lastStats = tick
            }
            if let event = health.due(now: tick) { publish(.health(event), frame: nil) }
            if let status { status.update(snapshot(stats.framesOut)) }
            supervisor.status(index, camera: config.cameraID, now: tick) {
                String(format: "%.1f fps, %d frames, source %@, health %@", stats.lastFpsOut, stats.framesOut,
                       sourceTracker.state.description, health.current.status.rawValue)
            }
        }

        // End of file, shutdown or a source given up: the frames already taken go out, then the open
        // segment ends on the last of them.
        handOn(landmarkStage.drain())
        let stopping = shouldStop()
        let finalState = sourceTracker.state
        let endReason: StateEvent.EndReason = stopping ? .stopping : finalState == .open ? .stopping : .sourceEnded
        for (event, frame) in heads?.close(reason: endReason) ?? [] { publish(event, frame: frame) }
        feed.stop()
        let end = Clock.monotonicNanos()
        publishStats(&stats, feed: feed, since: lastStats, now: end, started: started)
        Self.updateSource(&health, finalState)
        var last = health.current
        if last.status == .ok { last.message = stopping ? "stopping on request" : "source finished" }
        publish(.health(last), frame: nil)
        if case .failed(let why) = finalState, !stopping { throw .sourceGaveUp(why) }
        if finalState == .ended, stats.framesIn == 0, !stopping {
            // Opened but nothing decoded: a run that "succeeds" on an empty or cut file hides the problem.
            throw .source("\(SourceSpec.redacted(config.source.shownURI)): opened, but not one frame could be decoded (empty, truncated or not a video)")
        }
        return RunSummary(framesIn: stats.framesIn, framesOut: stats.framesOut, droppedFrames: feed.droppedFrames,
                          seconds: Double(end - started) / 1e9)
    }

    /// The source's part of health: degraded while it is being retried, error once it failed for good.
    private static func updateSource(_ health: inout HealthMonitor, _ state: SourceState) {
        switch state {
        case .unavailable(let why):
            health.set(.sourceUnavailable, .degraded, "source unavailable, reconnecting: \(why)")
            health.clear(.sourceFailed)
        case .failed(let why):
            health.clear(.sourceUnavailable)
            health.set(.sourceFailed, .error, "source failed: \(why)")
        case .opening, .open, .ended:
            health.clear(.sourceUnavailable)
            health.clear(.sourceFailed)
        }
    }

    // MARK: setup

    private static func makeLandmarkStage(_ config: SigndConfiguration, models: HolisticModels?, wake: LoopWake,
                                          logger: Logger) throws(DaemonError) -> LandmarkStage {
        // The daemon loads the shared models exactly when landmarks are enabled, so nil means off.
        guard config.landmarks.enabled, let models else {
            return NoLandmarkStage(faceJoints: HolisticLandmarkStage.options(config.landmarks).faceJoints)
        }
        let isFile = (try? SourceSpec(parsing: config.source.uri)).map { !$0.isLive } ?? false
        if config.landmarks.pipelined {
            return try PipelinedLandmarkStage(config: config.landmarks, fileTimestamps: isFile, models: models, wake: wake, logger: logger)
        }
        return try HolisticLandmarkStage(config: config.landmarks, fileTimestamps: isFile, models: models, logger: logger)
    }

    private static func openFeed(_ source: SigndConfiguration.Source, onEvent: @escaping @Sendable (CaptureEvent) -> Void) throws(DaemonError) -> FrameFeed {
        let timeouts = CaptureTimeouts(openMillis: source.openTimeoutMillis, readMillis: source.readTimeoutMillis)
        do {
            let spec = try SourceSpec(parsing: source.uri)
            if case .file(let path) = spec, !source.realtime {
                return try FileFeed(path: path, timeouts: timeouts, options: source.capture, loop: source.loop, onEvent: onEvent)
            }
            let policy = ReconnectPolicy(initialDelayMillis: source.reconnectInitialDelayMillis,
                                         maxDelayMillis: source.reconnectMaxDelayMillis, maxAttempts: source.reconnectMaxAttempts)
            return try LiveFeed(capture: LiveCapture(spec, timeouts: timeouts, options: source.capture, reconnect: policy, paced: true,
                                                     loop: source.loop && !spec.isLive, onEvent: onEvent))
        } catch {
            throw .source(error.description, cause: error)
        }
    }

    // MARK: publishing

    private func publish(_ event: Event, frame: Int?) {
        do { try outlet.publish(event, frame: frame) } catch {
            logger.error("could not publish \(event.kind.rawValue) event: \(error)")
        }
    }

    private func publishStats(_ stats: inout LoopStatistics, feed: FrameFeed, since: UInt64, now: UInt64, started: UInt64) {
        let figures = outlet.publisher.statistics
        if index == 0, figures.curveClientsRejected > stats.curveRejectedLogged {
            // A refused handshake is a wrong or stolen key, or a scan: worth a line (from one camera: the
            // socket is shared), not one per attempt.
            let fresh = figures.curveClientsRejected - stats.curveRejectedLogged
            logger.warning("refused \(fresh) CURVE client(s) whose key is not on events.curve.allowed_client_keys (\(figures.curveClientsRejected) since start)")
            stats.curveRejectedLogged = figures.curveClientsRejected
        }
        let event = stats.snapshot(interval: Double(now - since) / 1e9, uptime: Double(now - started) / 1e9,
                                   dropped: feed.droppedFrames, publishDrops: Int(figures.dropped), curveRejected: figures.curveClientsRejected,
                                   models: heads?.models ?? [])
        publish(.stats(event), frame: nil)
    }
}
