import Foundation
import Logging
import SigndConfig
import SigndDaemon
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
          update_interval_frames: 0
          multiclass_every: 3
          top_k: 2
          unknown_below: 0.55
        """
        let config = try ConfigLoader.parse(yaml: yaml, file: "x.yaml", baseDirectory: "/etc/signd")
        XCTAssertEqual(config.binaryStem, "/etc/signd/models/bin")
        XCTAssertNil(config.multiclassStem, "null switches the multi-class head off")
        let s = config.heads.settings
        XCTAssertEqual(s.stride, 2)
        XCTAssertEqual(s.smoothingAlpha, 0.25)
        XCTAssertEqual(s.segments.enterThreshold, 0.7)
        XCTAssertEqual(s.segments.exitThreshold, 0.3)
        XCTAssertEqual(s.segments.minStartFrames, 4)
        XCTAssertEqual(s.segments.minEndFrames, 6)
        XCTAssertEqual(s.segments.updateIntervalFrames, 0)
        XCTAssertEqual(s.multiclassEvery, 3)
        XCTAssertEqual(s.topK, 2)
        XCTAssertEqual(s.unknownBelow, 0.55)
        XCTAssertNil(try ConfigLoader.parse(yaml: "heads: {unknown_below: null}").heads.settings.unknownBelow, "null: the head's own")

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
