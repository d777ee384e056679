import ArgumentParser
import Foundation
import SigndConfig
import SigndDaemon
import SigndEvents
import SigndHeads

/// `signd replay FILE.npz|DIR`: seed landmark files through the daemon's heads; prints or publishes events.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run seed-format landmark files (.npz) through the heads and print or publish the events.",
        discussion: """
            The same code path as `signd run` after the landmark stage: binary head → smoother → state machine, \
            multi-class head while signing. Each file is one source (frame indices from 0; an open segment ends \
            with the file). Without --endpoint, events are printed as `topic json` lines (frame events only \
            with --frame-events).
            """)

    @Argument(help: "A seed .npz file or a directory of them.")
    var path: String

    @OptionGroup var heads: HeadOptions

    @Option(help: "Publish on this ZeroMQ endpoint instead of printing.")
    var endpoint: String?

    @Option(help: "Frame rate used to synthesise capture times.")
    var fps = 30.0

    @Flag(name: .customLong("frame-events"), help: "Also print one frame event per frame (with its probability).")
    var frameEvents = false

    @Option(name: .customLong("camera-id"), help: "Camera id in topics.")
    var cameraID = "replay"

    @Option(name: .customLong("window-outputs"), help: ArgumentHelp(
        "Also write every head output as JSON lines: the binary head on every window (raw and smoothed P(signing)), and the multi-class head on every window, signing or not (events are unchanged); each with its logits and probabilities.",
        valueName: "FILE.jsonl"))
    var windowOutputs: String?

    @Flag(name: .customLong("no-progress"), help: "Do not draw a progress bar over the files on stderr.")
    var noProgress = false

    func run() throws {
        guard fps > 0 else { throw ValidationError("--fps must be positive") }
        let config: SigndConfiguration
        do { config = try heads.resolve() } catch { throw failure(error.description, code: ExitStatus.config) }
        let logger = makeLogger(level: config.logLevel)
        let files: [URL]
        let stage: HeadsStage
        do {
            files = try SigndDaemon.Replay.files(at: path)
            guard let made = try HeadsStage.make(config: config, logger: logger, face: .inputFiles) else {
                throw failure("replay needs a binary head (--binary STEM or heads.binary)", code: ExitStatus.config)
            }
            stage = made
        } catch let error as DaemonError { throw failure(error.description, code: ExitStatus.config) }

        var publisher: EventPublisher?
        if let endpoint {
            do {
                publisher = try EventPublisher(configuration: EventPublisherConfiguration(camera: cameraID, endpoints: [endpoint]))
            } catch { throw failure("events: \(error.description)") }
            Thread.sleep(forTimeInterval: 0.3)  // let subscribers connect before the first event
        }
        defer { publisher?.close() }
        var lines = EventLineEncoder(camera: cameraID)
        let out = FileHandle.standardOutput
        let replay = SigndDaemon.Replay(heads: stage, fps: fps)
        var scoresOut: FileHandle?
        if let windowOutputs {
            guard FileManager.default.createFile(atPath: windowOutputs, contents: nil),
                  let handle = FileHandle(forWritingAtPath: windowOutputs) else {
                throw failure("--window-outputs: cannot create \(windowOutputs)", code: ExitStatus.config)
            }
            scoresOut = handle
            var settings = stage.pipeline.settings
            settings.multiclassOnEveryWindow = true
            do { try stage.pipeline.retune(settings) } catch { throw failure(error.description, code: ExitStatus.config) }
        }
        defer { try? scoresOut?.close() }
        let progress = ProgressBar(total: files.count, unit: "files", enabled: !noProgress && files.count > 1)
        defer { progress.finish() }
        for (done, file) in files.enumerated() {
            progress.update(done: done)
            logger.debug("replaying \(file.lastPathComponent)")
            let name = file.lastPathComponent
            let observe: ((Int, HeadStep) -> Void)? = scoresOut.map { handle in
                { frame, step in
                    for line in WindowOutputLine.lines(file: name, frame: frame, step: step) { handle.write(Data((line + "\n").utf8)) }
                }
            }
            do {
                try replay.run(file: file, step: observe) { event, frame in
                    if let publisher {
                        _ = try? publisher.publish(event, frame: frame)
                    } else if frameEvents || event.kind != .frame {
                        out.write(Data((lines.line(event, frame: frame) + "\n").utf8))
                    }
                }
            } catch { throw failure(error.description) }
        }
        progress.update(done: files.count)
    }
}

/// `--window-outputs` lines: one per head output, fields in a fixed order (docs/events.md lists them).
enum WindowOutputLine {
    static func lines(file: String, frame: Int, step: HeadStep) -> [String] {
        var out: [String] = []
        let name = jsonString(file)
        if let s = step.score {
            out.append(#"{"head":"binary","file":\#(name),"frame":\#(frame),"window_first":\#(s.first.index),"window_last":\#(s.last.index),"#
                + #""raw":\#(s.raw),"smoothed":\#(s.smoothed),"logits":\#(floats(s.logits)),"probabilities":\#(floats(s.probabilities))}"#)
        }
        if let m = step.multiclassOutput {
            out.append(#"{"head":"multiclass","file":\#(name),"frame":\#(frame),"window_first":\#(m.first.index),"window_last":\#(m.last.index),"#
                + #""logits":\#(floats(m.logits)),"probabilities":\#(floats(m.probabilities))}"#)
        }
        return out
    }

    /// Shortest round-trip decimal of each float32 (Swift's description), so a reader recovers the bits.
    private static func floats(_ values: [Float]) -> String {
        "[" + values.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]"
    }

    private static func jsonString(_ s: String) -> String {
        (try? String(decoding: JSONEncoder().encode(s), as: UTF8.self)) ?? "\"\""
    }
}
