/// A configuration problem, naming the file, the key (dotted path) and, when known, the line.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var key: String?
    public var line: Int?
    public var problem: String

    public init(file: String, key: String?, line: Int?, problem: String) {
        self.file = file
        self.key = key
        self.line = line
        self.problem = problem
    }

    public var description: String {
        var text = "config '\(file)'"
        if let line { text += ", line \(line)" }
        if let key { text += ": \(key)" }
        return text + ": " + problem
    }
}
