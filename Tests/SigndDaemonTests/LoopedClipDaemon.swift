import Foundation
import Logging
import SigndConfig
import SigndDaemon
import SigndTestSupport

/// The real daemon (decoding, landmark models, the shipped heads) on the bundled signing clip, looped so
/// that segments start and end while a test watches an integration; it runs on a thread of its own.
final class LoopedClipDaemon: @unchecked Sendable {
    let daemon: Daemon
    private let outcome = Recorder<String>()

    /// The configuration: ZeroMQ on a fresh ipc:// endpoint, no systemd, every integration off.
    static func config(camera: String) throws -> SigndConfiguration {
        guard FileManager.default.fileExists(atPath: TestPaths.models.appendingPathComponent("mediapipe").path) else {
            throw SetupRequirement.missing("landmark models not found in \(TestPaths.models.path) (set SIGND_MODELS_DIR)")
        }
        var config = SigndConfiguration()
        config.cameraID = camera
        config.source.uri = TestPaths.samples.appendingPathComponent("msl150_hoy_001.mp4").path
        // Each pass ends the open segment (source_restarted), so the state changes again and again.
        config.source.loop = true
        config.landmarks.modelsDirectory = TestPaths.models.path
        config.heads.binary = TestPaths.packageRoot.appendingPathComponent("Models/signing-binary").path
        config.heads.binaryIsDefault = false
        config.heads.multiclass = TestPaths.packageRoot.appendingPathComponent("Models/asl-signs").path
        config.heads.multiclassIsDefault = false
        config.events.endpoints = ["ipc://\(FileManager.default.temporaryDirectory.path)/signd-\(camera)-\(UUID().uuidString)"]
        config.systemd.notify = false
        return config
    }

    init(_ config: SigndConfiguration) {
        daemon = Daemon(config: config, logger: Logger(label: "test"))
        Thread { [daemon, outcome] in
            do { _ = try daemon.run(); outcome.append("ok") } catch { outcome.append("\(error)") }
        }.start()
    }

    /// Asks the daemon to stop and waits for the run to return: ["ok"], or the error it ended with ([] if it hung).
    @discardableResult
    func stop(timeout: TimeInterval = 30) -> [String] {
        daemon.requestStop()
        _ = outcome.wait(timeout: timeout) { !$0.isEmpty }
        return outcome.values
    }
}
