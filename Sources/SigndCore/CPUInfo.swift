import Foundation

/// Reads /proc/cpuinfo, which lists every processor alike: the first processor's fields stand for the CPU.
public enum CPUInfo {
    /// The value of the first line whose key starts with `key` (`model name`, `flags`), after its colon and
    /// trimmed; nil where there is no /proc/cpuinfo or no such line.
    public static func firstValue(of key: String) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }),
              let colon = line.firstIndex(of: ":")
        else { return nil }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}
