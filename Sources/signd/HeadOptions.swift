import ArgumentParser
import Foundation
import SigndConfig

/// Flags of the offline commands (replay, eval, bench) that choose and tune the heads; each overrides the
/// matching `heads.*` key of `--config`.
struct HeadOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "YAML configuration file; its heads section is used (docs/configuration.md).")
    var config: String?

    @Option(help: ArgumentHelp("Binary head stem (STEM.safetensors + STEM.manifest.json) (heads.binary).", valueName: "STEM"))
    var binary: String?

    @Option(help: ArgumentHelp("Multi-class head stem, or 'none' (heads.multiclass).", valueName: "STEM"))
    var multiclass: String?

    @Option(name: .customLong("enter-threshold"), help: "heads.enter_threshold")
    var enterThreshold: Double?

    @Option(name: .customLong("exit-threshold"), help: "heads.exit_threshold")
    var exitThreshold: Double?

    @Option(name: .customLong("unknown-below"),
            help: "heads.unknown_below: answer `unknown` below this probability (default: the multi-class head's calibrated threshold).")
    var unknownBelow: Double?

    @Option(help: "heads.stride: run the binary head every N frames.")
    var stride: Int?

    @Option(name: .customLong("confirm-frames"),
            help: "heads.confirm_frames: make `start` tentative and confirm a segment after N frames at or above enter (0: off).")
    var confirmFrames: Int?

    @Option(name: .customLong("models-dir"),
            help: "Directory of the default heads (landmarks.models_dir; else $SIGND_MODELS_DIR, else ./Models).")
    var modelsDirectory: String?

    /// The config file (or defaults) with the flags applied; source.uri is not required here.
    func resolve() throws(ConfigError) -> SigndConfiguration {
        var merged = try config.map { path throws(ConfigError) in try ConfigLoader.load(path: path) } ?? SigndConfiguration()
        if let binary { merged.heads.binary = binary; merged.heads.binaryIsDefault = false }
        if let multiclass {
            merged.heads.multiclass = multiclass == "none" ? nil : multiclass
            merged.heads.multiclassIsDefault = false
        }
        if let enterThreshold { merged.heads.enterThreshold = enterThreshold }
        if let exitThreshold { merged.heads.exitThreshold = exitThreshold }
        if let stride { merged.heads.stride = stride }
        if let confirmFrames {
            merged.heads.confirmFrames = confirmFrames
            if let problem = merged.heads.confirmProblem {
                throw ConfigError(file: "<command line>", key: "heads.confirm_frames", line: nil, problem: problem)
            }
        }
        if let unknownBelow {
            guard (0...1).contains(unknownBelow) else {
                throw ConfigError(file: "<command line>", key: "heads.unknown_below", line: nil, problem: "must be in 0...1, got \(unknownBelow)")
            }
            merged.heads.unknownBelow = unknownBelow
        }
        merged.chooseModelsDirectory(flag: modelsDirectory, environment: ProcessInfo.processInfo.environment)
        merged.heads.enabled = true
        if let problem = merged.heads.thresholdProblem {
            throw ConfigError(file: config ?? "<command line>", key: "heads.exit_threshold", line: nil, problem: problem)
        }
        return merged
    }
}
