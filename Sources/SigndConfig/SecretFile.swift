import Foundation
import Yams

/// Secrets read from their own files (a systemd credential in `$CREDENTIALS_DIRECTORY`, a file only the
/// service user can read), so the main config can be world-readable and checked into fleet tooling.
/// Errors name the file and the problem, never its content.
enum SecretFile {
    static func z85Key(at path: String, node: Node, path key: String, reader r: NodeReader) throws(ConfigError) -> String {
        let text = try self.text(at: path, node: node, path: key, reader: r)
        do { return try r.z85Key(text, node, key) } catch {
            throw r.error(node, key, "\(path) does not hold a 40-character Z85 CURVE secret key (write one with `signd keygen`)")
        }
    }

    /// The file's text without surrounding whitespace (a password, a key); refused when every user may read it.
    static func text(at path: String, node: Node, path key: String, reader r: NodeReader) throws(ConfigError) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw r.error(node, key, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw r.error(node, key, "\(path) is not a regular file") }
        // Like ssh with its keys: a secret every local user can read is not a secret.
        guard info.st_mode & (S_IROTH | S_IWOTH) == 0 else {
            throw r.error(node, key, "\(path) is readable or writable by every user; restrict it (chmod 600, or a systemd LoadCredential=)")
        }
        guard info.st_size <= 4096, let data = FileManager.default.contents(atPath: path) else {
            throw r.error(node, key, "cannot read \(path) (unreadable, or larger than 4 KiB)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw r.error(node, key, "\(path) is empty") }
        return text
    }
}
