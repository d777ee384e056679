import Foundation

public struct ProcessFailure: Error, CustomStringConvertible {
    public let command: String
    public let status: Int32
    public let output: String
    public var description: String { "\(command) exited with \(status):\n\(output)" }
}

/// Runs a Python snippet with `python3` and returns its stdout; throws with stderr when it fails.
public func runPython(_ script: String, arguments: [String] = []) throws -> String {
    try runProcess("/usr/bin/env", ["python3", "-c", script] + arguments)
}

/// Runs a command to completion and returns stdout (stderr is included in the error on failure).
@discardableResult
public func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                       currentDirectory: URL? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let stdout = String(decoding: outData, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw ProcessFailure(command: ([executable] + arguments).joined(separator: " "), status: process.terminationStatus,
                             output: stdout + String(decoding: errData, as: UTF8.self))
    }
    return stdout
}

/// Runs a command to completion whatever its exit status; returns the status and stdout + stderr interleaved as
/// written (for checks that read a tool's diagnostics or expect a particular failure).
/// `environment` entries are added to this process's environment.
/// `removing`: variables of this process's environment the child must not see.
public func runProcessCombined(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                               removing: [String] = []) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if !environment.isEmpty || !removing.isEmpty {
        var merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        for name in removing { merged[name] = nil }
        process.environment = merged
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
