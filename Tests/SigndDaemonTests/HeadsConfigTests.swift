import Foundation
import Logging
import SigndConfig
@testable import SigndDaemon
import SigndHeads
import SigndTestSupport
import XCTest

/// The `heads` config section and the start-up checks of the configured models.
final class HeadsConfigTests: XCTestCase {
    private let logger = Logger(label: "test")

    func testHeadsSectionParsesAndResolvesStemsAgainstTheFile() throws {
        let yaml = """
        source: {uri: video.mp4}
        landmarks: {models_dir: ../Models}
        heads:
          binary: models/bin
          multiclass: null
          stride: 2
          smoothing_alpha: 0.25
          enter_threshold: 0.7
          exit_threshold: 0.3
          min_start_frames: 4
          min_end_frames: 6
          confirm_frames: 20
          update_interval_frames: 0
          multiclass_every: 3
          top_k: 2
          unknown_below: 0.55
        """
        let config = try ConfigLoader.parse(yaml: yaml, file: "x.yaml", baseDirectory: "/etc/signd")
        XCTAssertEqual(config.binaryStem, "/etc/signd/models/bin")
        XCTAssertNil(config.multiclassStem, "null switches the multi-class head off")
        let s = config.heads.settings()
        XCTAssertEqual(s.stride, 2)
        XCTAssertEqual(s.smoothingAlpha, 0.25)
        XCTAssertEqual(s.segments.enterThreshold, 0.7)
        XCTAssertEqual(s.segments.exitThreshold, 0.3)
        XCTAssertEqual(s.segments.minStartFrames, 4)
        XCTAssertEqual(s.segments.minEndFrames, 6)
        XCTAssertEqual(s.segments.confirmFrames, 20)
        XCTAssertEqual(try ConfigLoader.parse(yaml: "heads: {}").heads.settings().segments.confirmFrames, 0, "off unless set")
        XCTAssertEqual(s.segments.updateIntervalFrames, 0)
        XCTAssertEqual(s.multiclassEvery, 3)
        XCTAssertEqual(s.topK, 2)
        XCTAssertEqual(s.unknownBelow, 0.55)
        XCTAssertNil(try ConfigLoader.parse(yaml: "heads: {unknown_below: null}").heads.settings().unknownBelow, "null: the head's own")

        // Defaults live in landmarks.models_dir.
        let defaults = try ConfigLoader.parse(yaml: "landmarks: {models_dir: ../Models}", file: "x.yaml", baseDirectory: "/etc/signd/conf")
        XCTAssertEqual(defaults.binaryStem, "/etc/signd/Models/signing-binary")
        XCTAssertEqual(defaults.multiclassStem, "/etc/signd/Models/asl-signs")
    }

    func testBadHeadsKeysNameTheKey() {
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: "heads: {enter_treshold: 0.5}")) {
            XCTAssertTrue("\($0)".contains("heads.enter_treshold") && "\($0)".contains("enter_threshold"), "\($0)")
        }
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: "heads: {smoothing_alpha: 0}")) {
            XCTAssertTrue("\($0)".contains("heads.smoothing_alpha"), "\($0)")
        }
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: "heads: {unknown_below: 1.2}")) {
            XCTAssertTrue("\($0)".contains("heads.unknown_below"), "\($0)")
        }
        var config = SigndConfiguration()
        config.source.uri = "x.mp4"
        config.heads.enterThreshold = 0.3
        config.heads.exitThreshold = 0.5
        XCTAssertThrowsError(try ConfigLoader.validate(config, file: "f.yaml")) {
            XCTAssertTrue("\($0)".contains("heads.exit_threshold"), "\($0)")
        }
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: "heads: {confirm_frames: -1}")) {
            XCTAssertTrue("\($0)".contains("heads.confirm_frames"), "\($0)")
        }
        config.heads.enterThreshold = nil
        config.heads.exitThreshold = nil
        config.heads.confirmFrames = 3
        XCTAssertThrowsError(try ConfigLoader.validate(config, file: "f.yaml")) {
            XCTAssertTrue("\($0)".contains("f.yaml") && "\($0)".contains("heads.confirm_frames")
                          && "\($0)".contains("more than heads.min_start_frames (3)"), "\($0)")
        }
    }

    /// The thresholds in force: the config's pair when it sets either (the other at its default), else the
    /// binary head's operating point, else 0.6 / 0.4; a reload keeps following that rule.
    func testThresholdsComeFromTheConfigElseTheHeadsOperatingPoint() throws {
        typealias T = SigndConfiguration.Heads.Thresholds
        let head = T(enter: 0.45, exit: 0.25)
        var heads = SigndConfiguration.Heads()
        XCTAssertEqual(heads.thresholds(head: nil), T(enter: 0.6, exit: 0.4))
        XCTAssertEqual(heads.thresholds(head: head), head)
        heads.enterThreshold = 0.7
        XCTAssertEqual(heads.thresholds(head: head), T(enter: 0.7, exit: 0.4), "the config sets the pair")
        heads.enterThreshold = nil; heads.exitThreshold = 0.5
        XCTAssertEqual(heads.thresholds(head: head), T(enter: 0.6, exit: 0.5))
        XCTAssertEqual(try ConfigLoader.parse(yaml: "heads: {enter_threshold: 0.45, exit_threshold: 0.25}").heads.thresholds(head: nil), head)
        // A config enter below the default exit: refused where the config is read, saying which value was implied.
        XCTAssertThrowsError(try ConfigLoader.validate(ConfigLoader.parse(yaml: "source: {uri: x.mp4}\nheads: {enter_threshold: 0.3}"), file: "f.yaml")) {
            XCTAssertTrue("\($0)".contains("heads.exit_threshold") && "\($0)".contains("not set: its default"), "\($0)")
        }

        // Through the stage: a head with an operating point, its settings, and a reload.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("signd-opcfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let stem = try calibratedFixtureHead(enter: 0.45, exit: 0.25, in: dir)
        var config = SigndConfiguration()
        config.heads.binary = stem; config.heads.binaryIsDefault = false
        config.heads.multiclass = nil; config.heads.multiclassIsDefault = false
        let stage = try XCTUnwrap(try HeadsStage.make(config: config, logger: logger))
        let segments = { (stage.pipeline.settings.segments.enterThreshold, stage.pipeline.settings.segments.exitThreshold) }
        XCTAssertTrue(segments() == (0.45, 0.25), "\(segments())")
        XCTAssertEqual(HeadsStage.thresholds(config), head, "what eval and bench record")
        config.heads.minEndFrames = 20
        try stage.retune(config)
        XCTAssertTrue(segments() == (0.45, 0.25), "a reload that leaves the thresholds alone keeps the head's")
        config.heads.enterThreshold = 0.8
        try stage.retune(config)
        XCTAssertTrue(segments() == (0.8, 0.4), "\(segments())")
        config.heads.enterThreshold = nil
        try stage.retune(config)
        XCTAssertTrue(segments() == (0.45, 0.25), "removing them from the config returns to the head's")
        XCTAssertEqual(stage.pipeline.settings.segments.minEndFrames, 20)
    }

    func testMissingDefaultModelsRunWithoutHeadsButConfiguredOnesFail() throws {
        var config = SigndConfiguration()
        config.landmarks.modelsDirectory = "/nonexistent-models"
        XCTAssertNil(try HeadsStage.make(config: config, logger: logger), "absent defaults: no heads")
        config.heads.enabled = false
        XCTAssertNil(try HeadsStage.make(config: config, logger: logger))

        config.heads.enabled = true
        config.heads.binary = "/nonexistent-models/mine"; config.heads.binaryIsDefault = false
        XCTAssertThrowsError(try HeadsStage.make(config: config, logger: logger)) {
            XCTAssertTrue("\($0)".contains("heads.binary") && "\($0)".contains("/nonexistent-models/mine"), "\($0)")
        }
    }

    func testModelsThatDoNotFitTheLandmarksAreRejectedAtStartUp() throws {
        let stgcn = TestPaths.fixtures.appendingPathComponent("stgcn")
        var config = SigndConfiguration()
        config.heads.binary = stgcn.appendingPathComponent("additive_binary_j75_c2/model").path; config.heads.binaryIsDefault = false
        config.heads.multiclass = try ReferencePython.stgcnFixtureStem("film_c100_j553_c2"); config.heads.multiclassIsDefault = false
        // J = 553 includes a face: with landmarks.face off that is a clear error naming the model.
        XCTAssertThrowsError(try HeadsStage.make(config: config, logger: logger)) {
            XCTAssertTrue("\($0)".contains("film_c100_j553_c2"), "\($0)")
            // The heads module's own error travels with the daemon's, typed, and decides the exit status.
            let error = $0 as? DaemonError
            XCTAssertEqual(error?.exitCode, ExitStatus.config)
            guard case .layoutMismatch(let model, _) = error?.cause as? HeadsError else {
                return XCTFail("cause: \(String(describing: error?.cause))")
            }
            XCTAssertTrue(model.contains("film_c100_j553_c2"), model)
        }
        config.heads.multiclass = stgcn.appendingPathComponent("additive_c100_j75_c2/model").path
        let stage = try XCTUnwrap(try HeadsStage.make(config: config, logger: logger))
        XCTAssertEqual(stage.pipeline.window, 25)
        XCTAssertNotNil(stage.pipeline.multiclass)

        // windows.length states what the deployment expects of the models' windows.
        config.windows.length = 25
        XCTAssertNotNil(try HeadsStage.make(config: config, logger: logger))
        config.windows.length = 30
        XCTAssertThrowsError(try HeadsStage.make(config: config, logger: logger)) {
            XCTAssertTrue("\($0)".contains("windows.length is 30") && "\($0)".contains("additive_binary_j75_c2"), "\($0)")
        }
    }
}
