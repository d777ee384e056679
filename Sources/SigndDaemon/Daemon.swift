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

    /// Runs the pipeline. `onPublisherReady` is called once the event sockets are bound and before the
    /// first frame (e.g. to attach a printing subscriber).
    /// `onFrame` sees each processed frame's stage timestamps (`signd bench`); nil in normal runs.
    public func run(onPublisherReady: (EventPublisher) -> Void = { _ in },
                    onFrame: ((FrameTimings) -> Void)? = nil) throws(DaemonError) -> RunSummary {
        let notifier: SystemdNotifier
        do { notifier = config.systemd.notify ? try SystemdNotifier() : .disabled } catch { throw .config("systemd: \(error)", cause: error) }
        let publisher = try makePublisher()
        defer { publisher.close() }
        onPublisherReady(publisher)
        let integrations = try Integrations(config: config, logger: logger)
        defer { integrations.stop() }
        let outlet = EventOutlet(publisher: publisher, observers: integrations.observers)

        let wake = LoopWake()
        let landmarkStage = try makeLandmarkStage(wake: wake)
        let heads = try HeadsStage.make(config: config, logger: logger)
        var active = config
        var health = HealthMonitor(intervalSeconds: config.health.intervalSeconds)
        if heads == nil, config.heads.enabled, config.binaryStem != nil {
            // The default heads are missing (e.g. a models dir laid out for landmarks only): running on is
            // useful for landmarks, but nobody may mistake it for a working detector.
            health.set(.noHeads, .degraded, "no heads loaded (\(config.binaryStem ?? "")): no state or sign events")
        }
        let sourceTracker = SourceTracker(outlet: outlet, logger: logger)
        let startedAt = Clock.monotonicNanos()
        func snapshot(_ framesOut: Int) -> StatusSnapshot {
            let open = heads?.pipeline.openSegment
            return StatusSnapshot(camera: config.cameraID, health: health.current, source: sourceTracker.state.description,
                                  signing: open != nil, segment: open?.segment, segmentStartFrame: open?.startFrame,
                                  framesOut: framesOut, uptimeSeconds: Double(Clock.monotonicNanos() - startedAt) / 1e9)
        }
        let status: StatusServer?
        do { status = try config.events.statusEndpoint.map { endpoint throws(ZmqError) in try StatusServer(endpoint: endpoint, initial: snapshot(0)) } } catch {
            throw .events("events.status_endpoint: \(error)", cause: error)
        }
        defer { status?.stop() }
        let feed = try openFeed(onEvent: { sourceTracker.handle($0) })
        wake.attach(feed)
        if let info = feed.info {
            logger.info("source open", metadata: [
                "source": "\(SourceSpec.redacted(config.source.shownURI))", "size": "\(info.sizeDescription)",
                "fps": "\(info.fps)", "backend": "\(info.backend)",
            ])
        } else {
            logger.info("opening source", metadata: ["source": "\(SourceSpec.redacted(config.source.shownURI))"])
        }
        // Ready once the models are loaded and the sockets bound: a live source opens on the grab thread, and
        // an absent camera is a health problem the daemon reports while it waits, not a failed start.
        notify { try notifier.ready(status: feed.info.map { "source open, \($0.width)x\($0.height)" } ?? "opening the source") }

        var stats = LoopStatistics()
        var interval = IntervalCounters()
        var nonFiniteLog = RateLimitedLog()
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
                    publish(outlet, .frame(event), frame: packet.stamp.index)
                    if let heads, let step = packet.step {
                        for (headEvent, at) in heads.events(of: step) { publish(outlet, headEvent, frame: at) }
                    }
                }
                stats.record(timings)
                integrations.offer(packet.frame, landmarks: packet.landmarks, now: Clock.monotonicNanos())
                integrations.record(timings)
                onFrame?(timings)
                stats.framesOut += 1
            }
        }
        // A source gap closes the open segment: windows must not straddle it. The frames still in the
        // landmark stage belong before the gap, so they go out first.
        func gap(_ reason: StateEvent.EndReason) {
            handOn(landmarkStage.drain())
            landmarkStage.reset()
            for (event, frame) in heads?.close(reason: reason) ?? [] { publish(outlet, event, frame: frame) }
        }
        var epoch = 0
        let started = Clock.monotonicNanos()
        var lastStats = started
        var lastStatus = started
        var lastWatchdog = started
        var statsInterval = UInt64(config.events.statsIntervalSeconds * 1e9)
        var statusInterval = UInt64(config.systemd.statusIntervalSeconds * 1e9)
        let watchdogInterval = notifier.watchdogPingInterval.map(Self.nanos)

        loop: while !shouldStop {
            let waitStart = Clock.monotonicNanos()
            let result = feed.next()
            let now = Clock.monotonicNanos()
            if let watchdogInterval, now - lastWatchdog >= watchdogInterval {
                notify { try notifier.watchdog() }  // from the frame loop: a stalled pipeline stops feeding the watchdog
                lastWatchdog = now
            }
            if sourceTracker.takeLoss() { gap(.sourceLost) }
            if reloadRequested.exchange(false, ordering: .relaxed) {
                notify { try notifier.reloading() }
                if let next = reload(from: active, heads: heads, publisher: publisher) {
                    active = next
                    statsInterval = UInt64(next.events.statsIntervalSeconds * 1e9)
                    statusInterval = UInt64(next.systemd.statusIntervalSeconds * 1e9)
                    health.setInterval(seconds: next.health.intervalSeconds)
                }
                notify { try notifier.ready(status: "configuration reloaded") }
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
                publishStats(outlet, &stats, feed: feed, since: lastStats, now: tick, started: started, models: heads?.models ?? [])
                interval.judge(&health, seconds: Double(tick - lastStats) / 1e9, framesIn: stats.framesIn, dropped: feed.droppedFrames, landmarkFailures: landmarkStage.failures,
                               maxDropRatio: active.health.maxDropRatio)
                integrations.judge(&health, now: tick)
                lastStats = tick
            }
            if let event = health.due(now: tick) { publish(outlet, .health(event), frame: nil) }
            if let status { status.update(snapshot(stats.framesOut)) }
            if notifier.isEnabled, tick - lastStatus >= statusInterval {
                let text = String(format: "%.1f fps, %d frames, source %@, health %@", stats.lastFpsOut, stats.framesOut,
                                  sourceTracker.state.description, health.current.status.rawValue)
                notify { try notifier.status(text) }
                lastStatus = tick
            }
        }

        // End of file, shutdown or a source given up: the frames already taken go out, then the open
        // segment ends on the last of them.
        handOn(landmarkStage.drain())
        let finalState = sourceTracker.state
        let endReason: StateEvent.EndReason = shouldStop ? .stopping : finalState == .open ? .stopping : .sourceEnded
        for (event, frame) in heads?.close(reason: endReason) ?? [] { publish(outlet, event, frame: frame) }
        notify { try notifier.stopping() }
        feed.stop()
        let end = Clock.monotonicNanos()
        publishStats(outlet, &stats, feed: feed, since: lastStats, now: end, started: started, models: heads?.models ?? [])
        Self.updateSource(&health, finalState)
        var last = health.current
        if last.status == .ok { last.message = shouldStop ? "stopping on request" : "source finished" }
        publish(outlet, .health(last), frame: nil)
        if case .failed(let why) = finalState, !shouldStop { throw .sourceGaveUp(why) }
        if finalState == .ended, stats.framesIn == 0, !shouldStop {
            // Opened but nothing decoded: a run that "succeeds" on an empty or cut file hides the problem.
            throw .source("\(SourceSpec.redacted(config.source.shownURI)): opened, but not one frame could be decoded (empty, truncated or not a video)")
        }
        return RunSummary(framesIn: stats.framesIn, framesOut: stats.framesOut, droppedFrames: feed.droppedFrames,
                          seconds: Double(end - started) / 1e9)
    }

    /// Re-reads the configuration and applies what can change in place; the new config, or nil (after
    /// logging why) when it could not be read or applied, in which case the running one stays.
    private func reload(from old: SigndConfiguration, heads: HeadsStage?, publisher: EventPublisher) -> SigndConfiguration? {
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
            try heads?.retune(applied)
            if applied.events.endpoints != old.events.endpoints { try publisher.rebind(to: applied.events.endpoints) }
        } catch {
            // Thresholds are validated before they are applied and a failed bind leaves the old endpoints,
            // so undoing the retune restores the running state.
            logger.error("reload failed, keeping the running configuration: \(error)")
            try? heads?.retune(old)
            return nil
        }
        reloader.setLogLevel(applied.logLevel)
        if !pending.isEmpty {
            logger.warning("changed keys that take effect only after a restart: \(pending.joined(separator: ", "))")
        }
        logger.notice("configuration reloaded", metadata: ["endpoints": "\(publisher.boundEndpoints.joined(separator: ","))"])
        return applied
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

    private func makeLandmarkStage(wake: LoopWake) throws(DaemonError) -> LandmarkStage {
        guard config.landmarks.enabled else { return NoLandmarkStage(faceJoints: HolisticLandmarkStage.options(config.landmarks).faceJoints) }
        let isFile = (try? SourceSpec(parsing: config.source.uri)).map { !$0.isLive } ?? false
        if config.landmarks.pipelined {
            return try PipelinedLandmarkStage(config: config.landmarks, fileTimestamps: isFile, wake: wake, logger: logger)
        }
        return try HolisticLandmarkStage(config: config.landmarks, fileTimestamps: isFile, logger: logger)
    }

    private func openFeed(onEvent: @escaping @Sendable (CaptureEvent) -> Void) throws(DaemonError) -> FrameFeed {
        let source = config.source
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

    /// A notification that cannot be delivered is logged; it never stops the pipeline.
    private func notify(_ send: () throws -> Void) {
        do { try send() } catch { logger.warning("systemd notification failed: \(error)") }
    }

    private static func nanos(_ d: Duration) -> UInt64 {
        UInt64(d.components.seconds) * 1_000_000_000 + UInt64(d.components.attoseconds / 1_000_000_000)
    }

    // MARK: publishing

    private func publish(_ outlet: EventOutlet, _ event: Event, frame: Int?) {
        do { try outlet.publish(event, frame: frame) } catch {
            logger.error("could not publish \(event.kind.rawValue) event: \(error)")
        }
    }

    private func publishStats(_ outlet: EventOutlet, _ stats: inout LoopStatistics, feed: FrameFeed, since: UInt64, now: UInt64, started: UInt64,
                              models: [StatsEvent.ModelIdentity]) {
        let figures = outlet.publisher.statistics
        if figures.curveClientsRejected > stats.curveRejectedLogged {
            // A refused handshake is a wrong or stolen key, or a scan: worth a line, not one per attempt.
            let fresh = figures.curveClientsRejected - stats.curveRejectedLogged
            logger.warning("refused \(fresh) CURVE client(s) whose key is not on events.curve.allowed_client_keys (\(figures.curveClientsRejected) since start)")
            stats.curveRejectedLogged = figures.curveClientsRejected
        }
        let event = stats.snapshot(interval: Double(now - since) / 1e9, uptime: Double(now - started) / 1e9,
                                   dropped: feed.droppedFrames, publishDrops: Int(figures.dropped), curveRejected: figures.curveClientsRejected,
                                   models: models)
        publish(outlet, .stats(event), frame: nil)
    }
}
