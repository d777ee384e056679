import ArgumentParser
import Foundation
import SigndCapture
import SigndConfig
import SigndDaemon

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file without running the pipeline.",
        discussion: """
            Checks keys, types and ranges, and warns about options that would be ignored or unsafe (a network \
            endpoint without CURVE). --deep also loads the heads and the landmark models and opens a file source \
            with the daemon's own start-up code, so a missing model, a window length the head disagrees with or a \
            layout that does not fit fails here. Exit status 78 (EX_CONFIG) on any error.
            """
    )

    @Argument(help: "The YAML configuration file.")
    var file: String

    @Flag(help: "Also load the models and open a file source, as `signd run` would.")
    var deep = false

    func run() throws {
        var config: SigndConfiguration
        do {
            config = try ConfigLoader.load(path: file)
            config.chooseModelsDirectory(flag: nil, environment: ProcessInfo.processInfo.environment)
            try ConfigLoader.validate(config, file: file)
        } catch {
            throw failure(error.description, code: ExitStatus.config)
        }
        let findings = ConfigCheck.warnings(config) + (deep ? ConfigCheck.deep(config) : [])
        for finding in findings {
            FileHandle.standardError.write(Data("signd: \(file): \(finding)\n".utf8))
        }
        let errors = findings.filter { $0.severity == .error }.count
        guard errors == 0 else {
            throw failure("\(file): \(errors) error\(errors == 1 ? "" : "s") found", code: ExitStatus.config)
        }
        let warnings = findings.count
        print("\(file): OK\(deep ? " (deep: models loaded)" : "")\(warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "") "
              + "(\(config.cameraList.map { "camera \($0.id), source \(SourceSpec.redacted($0.source.shownURI))" }.joined(separator: "; ")), "
              + "events on \(config.events.endpoints.joined(separator: ", ")))")
    }
}
