import Foundation
import SigndCore

/// The one progress bar of `extract` (frames), `eval` and `replay` (files): a line on stderr, redrawn at most
/// about ten times a second, only when stderr is a terminal (logs and pipes stay clean).
final class ProgressBar {
    let total: Int?
    let unit: String
    let enabled: Bool
    private var lastDraw: UInt64 = 0

    init(total: Int?, unit: String, enabled: Bool) {
        self.total = total
        self.unit = unit
        self.enabled = enabled && isatty(STDERR_FILENO) != 0
    }

    /// `detail` follows the count, e.g. "27.3 ms/frame".
    func update(done: Int, detail: String? = nil) {
        guard enabled else { return }
        let now = Clock.monotonicNanos()
        guard now - lastDraw > 100_000_000 || done == total else { return }
        lastDraw = now
        FileHandle.standardError.write(Data(("\r" + Self.line(done: done, total: total, unit: unit, detail: detail)).utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    /// `[#########                     ] 3/10 files  detail`, or `3 frames  detail` when the total is unknown.
    static func line(done: Int, total: Int?, unit: String, detail: String?) -> String {
        var line: String
        if let total, total > 0 {
            let width = 30
            let filled = min(width, done * width / total)
            line = "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] \(done)/\(total) \(unit)"
        } else {
            line = "\(done) \(unit)"
        }
        return line + (detail.map { "  " + $0 } ?? "")
    }
}
