import Foundation
import SigndHeads

/// What happened during one stats interval that health judges: dropped frames, restarted windows, failing
/// landmarks, non-finite head outputs. Counts are per interval, so a condition clears once it stops.
struct IntervalCounters {
    var windowResets = 0
    var lastReset: WindowReset?
    var nonFinite = 0
    private var framesInAtLast = 0
    private var droppedAtLast = 0
    private var failuresAtLast = 0
    /// Seconds of consecutive intervals above the drop ratio.
    private var dropStreakSeconds = 0.0
    /// Falling behind means dropping for this long: a (re)connected stream delivers its buffered frames in a
    /// burst, and the newest-frame-wins grab drops most of them in a fraction of a second by design.
    static let sustainedDropSeconds = 2.0

    /// Sets or clears the interval conditions from the running totals, then starts the next interval.
    mutating func judge(_ health: inout HealthMonitor, seconds: Double, framesIn: Int, dropped: Int, landmarkFailures: Int, maxDropRatio: Double) {
        let processed = framesIn - framesInAtLast
        let lost = dropped - droppedAtLast
        let failed = landmarkFailures - failuresAtLast
        framesInAtLast = framesIn
        droppedAtLast = dropped
        failuresAtLast = landmarkFailures

        let delivered = processed + lost
        if lost > 0, Double(lost) / Double(delivered) > maxDropRatio {
            dropStreakSeconds += seconds
            if dropStreakSeconds >= Self.sustainedDropSeconds {
                let percent = Int((100 * Double(lost) / Double(delivered)).rounded())
                health.set(.framesDropped, .degraded, "falling behind: dropped \(lost) of \(delivered) source frames (\(percent) %) "
                           + "in the last \(String(format: "%.1f", seconds)) s, for \(String(format: "%.1f", dropStreakSeconds)) s")
            }
        } else {
            dropStreakSeconds = 0
            health.clear(.framesDropped)
        }
        if windowResets > 0, let reset = lastReset {
            health.set(.windowsReset, .degraded,
                       "\(windowResets) window restart\(windowResets == 1 ? "" : "s"): a window spanned \(reset.spanFrames) source frames "
                       + "(frames \(reset.firstFrame)–\(reset.lastFrame), limit \(reset.maxSpanFrames)) and was not scored")
        } else {
            health.clear(.windowsReset)
        }
        if failed > 0 {
            health.set(.landmarksFailing, .degraded, "landmarks failed on \(failed) of \(processed) frames")
        } else {
            health.clear(.landmarksFailing)
        }
        if nonFinite > 0 {
            health.set(.headOutputInvalid, .degraded, "the binary head gave a non-finite probability on \(nonFinite) windows")
        } else {
            health.clear(.headOutputInvalid)
        }
        windowResets = 0
        lastReset = nil
        nonFinite = 0
    }
}
