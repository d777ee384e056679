/// A bound on how deeply a configuration may nest, checked on the text before the YAML parser sees it: the
/// parser and the node tree recurse per level, and deeply nested flow mappings overflowed the stack (found by
/// fuzzing). signd's deepest key is 3 levels down, so 64 is generous.
enum YamlDepthLimit {
    static let maxDepth = 64
    /// Leading spaces of a line: block nesting needs indentation, so this bounds block depth too.
    static let maxIndent = 512

    /// The 1-based line where the bound is first exceeded, with what was exceeded; nil when within.
    static func violation(in text: String) -> (line: Int, problem: String)? {
        var depth = 0, line = 1, column = 0
        var quote: Character?          // ' or " while inside a quoted scalar
        var escaped = false, comment = false, atIndent = true
        var previous: Character = "\n"
        for ch in text {
            if ch == "\n" {
                line += 1; column = 0; comment = false; atIndent = true; previous = ch
                continue
            }
            defer { previous = ch }
            if comment { continue }
            if atIndent {
                if ch == " " {
                    column += 1
                    if column > maxIndent { return (line, "indented more than \(maxIndent) spaces") }
                    continue
                }
                atIndent = false
            }
            if let q = quote {
                if escaped { escaped = false } else if q == "\"" && ch == "\\" { escaped = true } else if ch == q { quote = nil }
                continue
            }
            switch ch {
            case "\"", "'": quote = ch
            case "#" where previous == " " || previous == "\t" || previous == "\n": comment = true
            case "[", "{":
                depth += 1
                if depth > maxDepth { return (line, "nested more than \(maxDepth) levels deep") }
            case "]", "}": depth = max(0, depth - 1)
            default: break
            }
        }
        return nil
    }
}
