import Yams

/// Typed access to YAML nodes with errors that carry the key path and line.
struct NodeReader {
    let file: String
    /// For `${NAME}` references (secrets and per-host values kept out of the file).
    var environment: [String: String] = [:]

    func error(_ node: Node, _ path: String, _ problem: String) -> ConfigError {
        ConfigError(file: file, key: path, line: node.mark?.line, problem: problem)
    }

    func mapping(_ node: Node, path: String, _ each: (String, Node, String) throws(ConfigError) -> Void) throws(ConfigError) {
        guard case .mapping(let mapping) = node else {
            throw ConfigError(file: file, key: path.isEmpty ? nil : path, line: node.mark?.line,
                              problem: path.isEmpty ? "the top level must be a mapping of keys" : "expected a mapping of keys")
        }
        var seen = Set<String>()
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw error(keyNode, path, "keys must be strings") }
            let child = path.isEmpty ? key : "\(path).\(key)"
            guard seen.insert(key).inserted else { throw error(keyNode, child, "duplicate key") }
            try each(key, value, child)
        }
    }

    func unknown(_ key: String, _ node: Node, _ path: String, known: [String]) -> ConfigError {
        let guess = known.min { editDistance($0, key) < editDistance($1, key) }
        let hint = guess.flatMap { editDistance($0, key) <= 3 ? " (did you mean '\($0)'?)" : nil } ?? ""
        return error(node, path, "unknown key\(hint); known keys here: \(known.joined(separator: ", "))")
    }

    func isNull(_ node: Node) -> Bool {
        if case .scalar(let s) = node { return s.string == "null" || s.string == "~" || s.string.isEmpty }
        return false
    }

    func scalar(_ node: Node, _ path: String) throws(ConfigError) -> String {
        guard case .scalar(let s) = node else { throw error(node, path, "expected a single value, got a \(kind(node))") }
        return s.string
    }

    func string(_ node: Node, _ path: String) throws(ConfigError) -> String {
        let text = try scalar(node, path)
        guard !text.isEmpty else { throw error(node, path, "must not be empty") }
        return text
    }

    /// The scalar with every `${NAME}` replaced by the environment variable NAME. An unset or empty variable
    /// is an error that names the variable, never a value.
    func expanded(_ text: String, _ node: Node, _ path: String) throws(ConfigError) -> String {
        var out = "", rest = Substring(text)
        while let open = rest.range(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw error(node, path, "unterminated ${ (environment references are written ${NAME})")
            }
            let name = String(rest[open.upperBound..<close])
            guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic),
                  name.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) })
            else { throw error(node, path, "${\(name)} is not an environment variable name (letters, digits, _)") }
            guard let value = environment[name], !value.isEmpty else {
                throw error(node, path, "environment variable \(name) is not set (referenced as ${\(name)})")
            }
            out += value
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    func identifier(_ node: Node, _ path: String) throws(ConfigError) -> String {
        let text = try string(node, path)
        if let problem = Rules.cameraIDProblem(text) { throw error(node, path, problem) }
        return text
    }

    func bool(_ node: Node, _ path: String) throws(ConfigError) -> Bool {
        let text = try scalar(node, path)
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(node, path, "expected true or false, got '\(text)'")
        }
    }

    func int(_ node: Node, _ path: String, min: Int, max: Int) throws(ConfigError) -> Int {
        let text = try scalar(node, path)
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw error(node, path, "expected an integer, got '\(text)'")
        }
        guard value >= min, value <= max else {
            throw error(node, path, max == Int.max ? "must be ≥ \(min), got \(value)" : "must be between \(min) and \(max), got \(value)")
        }
        return value
    }

    func double(_ node: Node, _ path: String, min: Double, max: Double) throws(ConfigError) -> Double {
        let text = try scalar(node, path)
        guard let value = Double(text), value.isFinite else { throw error(node, path, "expected a number, got '\(text)'") }
        guard value >= min, value <= max else { throw error(node, path, "must be between \(min) and \(max), got \(value)") }
        return value
    }

    func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ path: String, _: T.Type) throws(ConfigError) -> T where T.RawValue == String {
        let text = try scalar(node, path)
        guard let value = T(rawValue: text.lowercased()) else {
            throw error(node, path, "'\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    func strings(_ node: Node, _ path: String) throws(ConfigError) -> [String] {
        if case .scalar = node { return [try string(node, path)] }
        guard case .sequence(let sequence) = node else { throw error(node, path, "expected a list of strings") }
        var result: [String] = []
        for (i, item) in sequence.enumerated() { result.append(try string(item, "\(path)[\(i)]")) }
        return result
    }

    func endpoint(_ text: String, _ node: Node, _ path: String) throws(ConfigError) -> String {
        if let problem = Rules.endpointProblem(text) { throw error(node, path, problem) }
        return text
    }

    /// A host name or IP address to bind or connect to (no scheme, port or path).
    func host(_ node: Node, _ path: String) throws(ConfigError) -> String {
        let text = try string(node, path)
        let allowed = text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-:_".unicodeScalars.contains($0)) }
        guard allowed, !text.hasPrefix("-") else { throw error(node, path, "expected a host name or IP address (e.g. 127.0.0.1), got '\(text)'") }
        return text
    }

    /// An MQTT topic prefix: levels separated by '/', no wildcards, no empty level.
    func topicPrefix(_ node: Node, _ path: String) throws(ConfigError) -> String {
        let text = try string(node, path)
        guard !text.contains("+"), !text.contains("#"), !text.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw error(node, path, "an MQTT topic prefix may not contain the wildcards + or # or control characters")
        }
        guard !text.split(separator: "/", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
            throw error(node, path, "an MQTT topic prefix may not start or end with '/' or contain '//'")
        }
        return text
    }

    func z85Key(_ node: Node, _ path: String) throws(ConfigError) -> String { try z85Key(try string(node, path), node, path) }

    func z85Key(_ text: String, _ node: Node, _ path: String) throws(ConfigError) -> String {
        let alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")
        guard text.count == 40, text.allSatisfy(alphabet.contains) else {
            throw error(node, path, "expected a 40-character Z85 CURVE key (see `signd keygen`)")
        }
        return text
    }

    private func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "mapping"
        case .sequence: return "list"
        default: return "value"
        }
    }
}

/// Value rules shared by the YAML reader and the validation of flags merged over it.
enum Rules {
    static func cameraIDProblem(_ text: String) -> String? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return "'\(text)' may contain only letters, digits, '-' and '_' (it becomes part of event topics)"
        }
        return nil
    }

    static func endpointProblem(_ text: String) -> String? {
        let schemes = ["tcp://", "ipc://", "inproc://"]
        guard schemes.contains(where: text.hasPrefix), text.count > 8 else {
            return "'\(text)' is not a ZeroMQ endpoint (tcp://HOST:PORT, ipc:///path or inproc://name)"
        }
        return nil
    }
}

/// Levenshtein distance, for "did you mean" hints on misspelt keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
}
