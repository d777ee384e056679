import ArgumentParser
import Foundation

/// Prints `signd: message` on stderr and returns the exit code to throw: sysexits(3) codes from
/// `ExitStatus` (78 for configuration and model problems, which a restart cannot fix), 1 for other runtime
/// failures. Keeps error output to one clear line; every command renders its errors here.
func failure(_ message: String, code: Int32 = 1) -> ExitCode {
    FileHandle.standardError.write(Data("signd: \(message)\n".utf8))
    return ExitCode(code)
}
