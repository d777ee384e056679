import Foundation
import SigndConfig
import SigndCore
import SigndDaemon

/// The decision settings and model digests that `eval.json` and `bench.json` record (RunProvenance).
enum Provenance {
    /// `thresholds`: those in force (the config's, else the binary head's operating point, else the defaults).
    static func settings(_ heads: SigndConfiguration.Heads, thresholds: SigndConfiguration.Heads.Thresholds,
                         extra: [String: Double] = [:]) -> [String: Double] {
        [
            "heads.stride": Double(heads.stride), "heads.smoothing_alpha": heads.smoothingAlpha,
            "heads.enter_threshold": thresholds.enter, "heads.exit_threshold": thresholds.exit,
            "heads.min_start_frames": Double(heads.minStartFrames), "heads.min_end_frames": Double(heads.minEndFrames),
            "heads.confirm_frames": Double(heads.confirmFrames),
            "heads.multiclass_every": Double(heads.multiclassEvery), "heads.top_k": Double(heads.topK),
        ].merging(heads.unknownBelow.map { ["heads.unknown_below": $0] } ?? [:]) { $1 }.merging(extra) { $1 }
    }

    /// The configured heads' stems and sha256 (for a run that loads them itself, like `bench`).
    static func models(_ config: SigndConfiguration) -> [RunProvenance.Model] {
        guard config.heads.enabled else { return [] }
        let heads = [("binary", config.binaryStem), ("multiclass", config.multiclassStem)]
        return heads.compactMap { role, stem in
            guard let stem, FileManager.default.fileExists(atPath: stem + ".safetensors") else { return nil }
            return HeadsStage.identity(role: role, stem: stem)
        }
    }
}
