import ArgumentParser
import SigndCore

@main
struct Signd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signd",
        abstract: "Real-time sign-language detector daemon.",
        version: SigndVersion.string,
        subcommands: [Run.self, CheckConfig.self, Extract.self, Keygen.self, Replay.self, Eval.self, Bench.self]
    )

    static func main() {
        OpenBLASKernelChoice.reexecuteWithBetterKernelsIfNeeded()
        main(nil)
    }
}
