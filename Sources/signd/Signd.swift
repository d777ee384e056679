import ArgumentParser

@main
struct Signd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signd",
        abstract: "Real-time sign-language detector daemon.",
        subcommands: []
    )
}
