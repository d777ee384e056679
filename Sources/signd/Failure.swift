import ArgumentParser
import Foundation

/// Prints `signd: message` on stderr and returns the exit code to throw: 2 for configuration and usage
/// problems, 1 for runtime failures. Keeps error output to one clear line.
func failure(_ message: String, code: Int32 = 1) -> ExitCode {
    FileHandle.standardError.write(Data("signd: \(message)\n".utf8))
    return ExitCode(code)
}
