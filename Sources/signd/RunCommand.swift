import ArgumentParser
import Dispatch
import Foundation
import Logging
import SigndConfig
import SigndDaemon
import SigndEvents

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the detector: capture → landmarks → windows → heads → ZeroMQ events.",
        discussion: """
            Stops cleanly on SIGTERM/SIGINT, or when a file source ends (unless source.loop is set). SIGHUP re-reads \
            the configuration (with the same flags) and applies log_level, the heads' thresholds, windows.max_span_factor, \
            events.endpoints, the intervals and health.* without dropping the open segment; other changed keys are \
            logged and wait for a restart. Exit codes: 0 done, 78 configuration or model error, 66 source file \
            unreadable, 69 source given up or sockets unavailable.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Flag(name: .customLong("print-events"), help: "Also subscribe to the published events and print each as `topic json` on stdout.")
    var printEvents = false

    func run() throws {
        let config: SigndConfiguration
        do { config = try options.resolve() } catch { throw failure(error.description, code: ExitStatus.config) }
        let output = LogOutput(level: config.logLevel)
        let logger = output.logger
        let control = output.control
        let flags = UncheckedSendable(options)
        let reloader = ConfigReloader(
            load: { try flags.value.resolve() },
            setLogLevel: { control.level = Logger.Level(rawValue: $0.rawValue) ?? .info })
        let daemon = Daemon(config: config, logger: logger, reloader: reloader)

        // SIGTERM (systemd stop) and SIGINT (Ctrl-C) finish the current frame, then shut down; SIGHUP
        // (systemctl reload) re-reads the configuration between two frames.
        let signals = [SIGTERM, SIGINT, SIGHUP].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if number == SIGHUP {
                    logger.notice("signal \(number): reloading the configuration")
                    daemon.requestReload()
                } else {
                    logger.notice("signal \(number): stopping")
                    daemon.requestStop()
                }
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }

        var printer: EventPrinter?
        let summary: RunSummary
        do {
            summary = try daemon.run { publisher in
                guard printEvents else { return }
                guard config.events.curve == nil else {
                    logger.warning("--print-events is not available with CURVE authentication; use examples/subscriber.py with client keys")
                    return
                }
                printer = EventPrinter(endpoint: publisher.boundEndpoints.first ?? config.events.endpoints[0], logger: logger)
            }
        } catch {
            printer?.finish()
            throw failure(error.description, code: error.exitCode)
        }
        printer?.finish()
        logger.info("finished", metadata: [
            "frames": "\(summary.framesOut)", "dropped": "\(summary.droppedFrames)",
            "seconds": "\(String(format: "%.2f", summary.seconds))",
            "fps": "\(String(format: "%.1f", Double(summary.framesOut) / max(summary.seconds, 1e-9)))",
        ])
    }
}

/// A real SUB client of the daemon's own socket that prints every event as `topic json`; runs on its own
/// thread so a slow terminal never slows the frame loop (the PUB side drops for it instead).
private final class EventPrinter: Sendable {
    private let state = PrinterState()

    init?(endpoint: String, logger: Logger) {
        // A wildcard bind address is reachable on loopback.
        let connectTo = endpoint.replacingOccurrences(of: "://*:", with: "://127.0.0.1:")
            .replacingOccurrences(of: "://0.0.0.0:", with: "://127.0.0.1:")
        let subscriber: EventSubscriber
        do { subscriber = try EventSubscriber(endpoint: connectTo) } catch {
            logger.error("--print-events: cannot subscribe to \(connectTo): \(error)")
            return nil
        }
        let box = SubscriberBox(subscriber)
        let state = self.state
        let thread = Thread {
            defer { box.subscriber.close(); state.markFinished() }
            while true {
                if let received = try? box.subscriber.receive(timeoutMilliseconds: 300) {
                    FileHandle.standardOutput.write(Data((received.topic + " ").utf8) + Data(received.payload) + Data("\n".utf8))
                } else if state.isFinishing {
                    return  // quiet for 300 ms after the daemon finished: everything in flight was printed
                }
            }
        }
        thread.name = "signd-print-events"
        thread.start()
        Thread.sleep(forTimeInterval: 0.3)  // let the subscription reach the publisher before the first frame
    }

    /// Waits until the events still in flight have been printed.
    func finish() { state.finishAndWait() }
}

private final class PrinterState: @unchecked Sendable {
    private let condition = NSCondition()
    private var finishing = false
    private var finished = false

    var isFinishing: Bool { condition.withLock { finishing } }

    func markFinished() { condition.withLock { finished = true; condition.broadcast() } }

    func finishAndWait() {
        condition.lock()
        finishing = true
        while !finished { condition.wait() }
        condition.unlock()
    }
}

private final class SubscriberBox: @unchecked Sendable {
    let subscriber: EventSubscriber
    init(_ subscriber: EventSubscriber) { self.subscriber = subscriber }
}

/// Logs go to stderr (journald captures it under systemd, with priorities); events go to ZeroMQ.
func makeLogger(level: SigndConfiguration.LogLevel) -> Logger { LogOutput(level: level).logger }

/// Hands a value the compiler cannot prove Sendable to a closure that only reads it.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
