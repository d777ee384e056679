import Foundation

/// Runs `body` with the process's stderr pointed at a temporary file and returns what was written there.
/// LiteRT and its XNNPACK delegate print their own lines ("INFO: Created TensorFlow Lite XNNPACK delegate
/// for CPU.") whatever the log level and without a priority; the landmark stage creates its models inside
/// this and passes those lines on through the logger (at debug), so `log_level` and journald priorities hold
/// for them too. Only for start-up, before other threads write to stderr. A file, not a pipe, so a chatty
/// library can never block on a full pipe.
func capturingStandardError<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> (T, [String]) {
    fflush(nil)
    let saved = dup(STDERR_FILENO)
    guard saved >= 0, let file = tmpfile() else { return (try body(), []) }
    defer { fclose(file) }
    dup2(fileno(file), STDERR_FILENO)
    func restore() {
        fflush(nil)
        dup2(saved, STDERR_FILENO)
        close(saved)
    }
    let value: T
    do { value = try body() } catch {
        restore()
        throw error
    }
    restore()
    rewind(file)
    var text = Data()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n <= 0 { break }
        text.append(contentsOf: buffer[0..<n])
    }
    let lines = String(decoding: text, as: UTF8.self).split(separator: "\n").map(String.init)
    return (value, lines)
}
