import Foundation

/// Where a result file came from (`eval.json`, `bench.json`): the signd version and commit, the command, the
/// models with their digests and the decision settings, the inputs, the machine and the date, so that a
/// figure can be traced to what made it and compared with another run.
public struct RunProvenance: Sendable, Equatable, Codable {
    public struct Model: Sendable, Equatable, Codable {
        public var role: String
        public var stem: String
        public var sha256: String
        public init(role: String, stem: String, sha256: String) { self.role = role; self.stem = stem; self.sha256 = sha256 }
    }

    public struct Host: Sendable, Equatable, Codable {
        public var cpu: String
        public var cores: Int
        public var hostname: String
        /// OpenBLAS's kernel family in the process that ran the heads (`SkylakeX`, `Haswell`, `Prescott`…): the
        /// heads' speed, and their float32 rounding in the last bits, depend on it. Nil where no heads ran.
        public var blasKernels: String?

        enum CodingKeys: String, CodingKey { case cpu, cores, hostname, blasKernels = "blas_kernels" }
    }

    public var signdVersion: String
    /// The commit of the git checkout the running binary lies in (a build tree), nil for an installed binary.
    public var gitCommit: String?
    /// The checkout had uncommitted changes (nil without a checkout).
    public var gitDirty: Bool?
    /// UTC, ISO 8601.
    public var date: String
    public var command: [String]
    public var host: Host
    public var models: [Model]
    /// The decision settings the run used (`heads.*` names → values).
    public var settings: [String: Double]
    /// Input paths by role (`data`, `ground_truth`, `video`, …).
    public var inputs: [String: String]

    enum CodingKeys: String, CodingKey {
        case signdVersion = "signd_version", gitCommit = "git_commit", gitDirty = "git_dirty", date, command, host, models, settings, inputs
    }

    /// Collects what this process can tell about itself; `models`, `settings` and `inputs` come from the caller.
    public static func collect(models: [Model], settings: [String: Double], inputs: [String: String], blasKernels: String? = nil,
                               command: [String] = CommandLine.arguments, now: Date = Date()) -> RunProvenance {
        let checkout = URL(fileURLWithPath: executablePath()).deletingLastPathComponent()
        let commit = git(["rev-parse", "HEAD"], in: checkout)
        let dirty = commit == nil ? nil : git(["status", "--porcelain", "--untracked-files=no"], in: checkout).map { !$0.isEmpty }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return RunProvenance(signdVersion: SigndVersion.string, gitCommit: commit, gitDirty: dirty, date: formatter.string(from: now),
                             command: command, host: Host(cpu: cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount,
                                                          hostname: ProcessInfo.processInfo.hostName, blasKernels: blasKernels),
                             models: models, settings: settings, inputs: inputs)
    }

    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// `model name` of the first processor in /proc/cpuinfo ("unknown" where there is none).
    static func cpuModel() -> String { CPUInfo.firstValue(of: "model name") ?? "unknown" }

    /// git's trimmed output, nil when git is absent, fails, or the folder is no checkout.
    static func git(_ arguments: [String], in folder: URL) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["-C", folder.path] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
