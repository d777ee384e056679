import ArgumentParser

@main
struct Signd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signd",
        abstract: "Real-time sign-language detector daemon.",
        version: "0.1.0",
        subcommands: [Run.self, CheckConfig.self, Extract.self, Keygen.self]
    )
}
