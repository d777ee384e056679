import Foundation
import Logging
import SigndConfig
import Synchronization

/// The process's log level, changeable while running (a SIGHUP reload). Every logger of the process reads it.
final class LogLevelControl: Sendable {
    private let raw: Atomic<Int>

    init(_ level: Logger.Level) { raw = Atomic(Self.index(level)) }

    var level: Logger.Level {
        get { Logger.Level.allCases[raw.load(ordering: .relaxed)] }
        set { raw.store(Self.index(newValue), ordering: .relaxed) }
    }

    private static func index(_ level: Logger.Level) -> Int { Logger.Level.allCases.firstIndex(of: level)! }
}

/// One line per record on stderr, written with a single write(2) so lines of two threads never interleave.
/// Under systemd (stderr connected to the journal, `$JOURNAL_STREAM`) each line starts with its syslog
/// priority, `<4>` for a warning, so `journalctl -p warning` filters by level, and carries no timestamp (the
/// journal stamps it); on a terminal or in a file it starts with an ISO-8601 UTC timestamp and the level.
struct SigndLogHandler: LogHandler {
    let control: LogLevelControl
    let journal: Bool
    var metadata: Logger.Metadata = [:]

    var logLevel: Logger.Level {
        get { control.level }
        set { control.level = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let level = event.level, message = event.message
        let fields = metadata.merging(event.metadata ?? [:]) { $1 }
        let suffix = fields.isEmpty ? "" : " " + fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let text = journal
            ? "<\(Self.priority(level))>\(message)\(suffix)\n"
            : "\(Self.timestamp()) \(level) signd: \(message)\(suffix)\n"
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// syslog(3) priorities, as sd-daemon(3) reads them from a line prefix.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, Int(now.tv_nsec / 1_000_000))
    }

    /// True when stderr is the journal stream systemd set up for this service (sd_journal_stream_fd(3):
    /// `$JOURNAL_STREAM` holds the device and inode of that stream).
    static func stderrIsJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}

/// Logging for one command run: the shared level control and the logger, plus the third-party libraries'
/// own output tied to the same level where they allow it.
struct LogOutput {
    let control: LogLevelControl
    let logger: Logger

    init(level: SigndConfiguration.LogLevel) {
        let swiftLevel = Logger.Level(rawValue: level.rawValue) ?? .info
        let control = LogLevelControl(swiftLevel)
        let journal = SigndLogHandler.stderrIsJournal()
        self.control = control
        logger = Logger(label: "signd") { _ in SigndLogHandler(control: control, journal: journal) }
        Self.quietThirdParty(unless: swiftLevel <= .debug)
    }

    /// FFmpeg (through OpenCV) prints every failed connection attempt of a reconnect loop, unprefixed and at
    /// any level; OpenCV prints its own warnings. signd reports the same facts as `source` events and log
    /// lines of its own, so below debug both are silenced. OpenCV reads these variables once, at its first
    /// capture: set before any source is opened, not changed by a reload.
    static func quietThirdParty(unless verbose: Bool) {
        guard !verbose else { return }
        setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", 0)   // AV_LOG_QUIET
        setenv("OPENCV_LOG_LEVEL", "SILENT", 0)
    }
}
