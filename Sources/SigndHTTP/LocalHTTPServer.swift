import Foundation
public import Hummingbird
public import Logging
import ServiceLifecycle
import SigndCore

/// Why an HTTP endpoint could not start, naming the configuration key that asked for it.
public struct HTTPServerError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// One optional HTTP endpoint of the daemon (metrics, live view), served by Hummingbird on its own threads
/// while the frame loop runs on the caller's. The routes are the feature's; this type only starts the
/// server, waits until it is bound (or says why not), and stops it.
public final class LocalHTTPServer: Sendable {
    /// The address actually bound (port 0 in the configuration picks a free one).
    public let host: String
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, Never>

    /// Binds `host:port` and serves `router`; returns once the socket is bound.
    /// - Parameter key: the configuration key that asked for this server, for the error.
    public init(key: String, host: String, port: Int, router: Router<BasicRequestContext>, logger: Logger,
                startTimeout: Duration = .seconds(10)) throws(HTTPServerError) {
        let outcome = StartOutcome()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "signd"),
            onServerRunning: { channel in outcome.bound(channel.localAddress?.port ?? port) },
            logger: logger
        )
        // Our own group, without signal handlers (the daemon owns SIGTERM): `stop` shuts it down gracefully.
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        self.group = group
        task = Task.detached {
            do { try await group.run() } catch { outcome.failed("\(error)") }
        }
        switch outcome.wait(timeout: startTimeout) {
        case .bound(let bound):
            self.host = host
            self.port = bound
        case .failed(let why):
            task.cancel()
            throw HTTPServerError(description: "\(key): cannot serve on \(host):\(port): \(why)")
        case nil:
            task.cancel()
            throw HTTPServerError(description: "\(key): the server on \(host):\(port) did not start within \(startTimeout)")
        }
    }

    /// Whether the address is the loopback interface only (nothing leaves the machine).
    public var isLoopback: Bool { Self.isLoopback(host) }

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Stops serving (open requests are answered first) and waits until the listening socket is closed.
    public func stop() {
        let done = DispatchSemaphore(value: 0)
        let (group, task) = (self.group, self.task)
        Task.detached {
            await group.triggerGracefulShutdown()
            await task.value
            done.signal()
        }
        if done.wait(timeout: .now() + 10) == .timedOut { task.cancel() }
    }
}

/// The first of "bound" or "failed", handed from the server's task to the starting thread.
private final class StartOutcome: Sendable {
    enum Result: Sendable { case bound(Int), failed(String) }
    private let result = Locked<Result?>(nil)
    private let signal = DispatchSemaphore(value: 0)

    func bound(_ port: Int) { set(.bound(port)) }
    func failed(_ why: String) { set(.failed(why)) }

    private func set(_ value: Result) {
        let first = result.withLock { current in
            guard current == nil else { return false }
            current = value
            return true
        }
        if first { signal.signal() }
    }

    func wait(timeout: Duration) -> Result? {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        _ = signal.wait(timeout: .now() + seconds)
        return result.withLock { $0 }
    }
}
