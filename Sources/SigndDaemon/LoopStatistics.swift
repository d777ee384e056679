import SigndCore
import SigndEvents

/// Counters and stage timings of the frame loop, turned into a `stats` event each interval.
struct LoopStatistics {
    var framesIn = 0
    var framesOut = 0
    /// CURVE refusals already logged.
    var curveRejectedLogged: UInt64 = 0
    private(set) var lastFpsOut = 0.0
    private var stages = PipelineStage.allCases.map { StageTimings(name: $0.rawValue) }
    private var framesInAtLast = 0
    private var framesOutAtLast = 0

    /// One frame's stage durations, as the bench reads them too.
    mutating func record(_ timings: FrameTimings) {
        timings.forEachDuration { stage, nanos in stages[stage.index].record(nanos: nanos) }
    }

    mutating func snapshot(interval: Double, uptime: Double, dropped: Int, publishDrops: Int, curveRejected: UInt64,
                           models: [StatsEvent.ModelIdentity]) -> StatsEvent {
        let seconds = max(interval, 1e-9)
        let fpsIn = Double(framesIn - framesInAtLast) / seconds
        let fpsOut = Double(framesOut - framesOutAtLast) / seconds
        framesInAtLast = framesIn
        framesOutAtLast = framesOut
        lastFpsOut = fpsOut
        let stageStats = stages.indices.compactMap { i -> StatsEvent.Stage? in
            guard let p = stages[i].take() else { return nil }
            return StatsEvent.Stage(name: stages[i].name, p50Millis: p.p50, p99Millis: p.p99, count: p.count)
        }
        var event = StatsEvent(intervalSeconds: interval, fpsIn: fpsIn, fpsOut: fpsOut, framesIn: UInt64(framesIn),
                               framesOut: UInt64(framesOut), droppedFrames: UInt64(dropped), stages: stageStats,
                               publishDrops: UInt64(publishDrops), uptimeSeconds: uptime, curveRejected: curveRejected)
        event.rssBytes = ProcessUsage.residentBytes()
        event.cpuSeconds = ProcessUsage.cpuSeconds()
        event.version = SigndVersion.string
        event.models = models
        return event
    }
}
