import ArgumentParser
import SigndCapture
import SigndConfig
import SigndDaemon

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file without running anything."
    )

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        do {
            let config = try ConfigLoader.load(path: file)
            try ConfigLoader.validate(config, file: file)
            print("\(file): OK (camera \(config.cameraID), source \(SourceSpec.redacted(config.source.uri)), events on \(config.events.endpoints.joined(separator: ", ")))")
        } catch {
            throw failure(error.description, code: ExitStatus.config)
        }
    }
}
