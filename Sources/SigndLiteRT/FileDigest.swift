import Crypto
import Foundation

/// SHA-256 of files on disk, streamed so large files are not read into memory at once.
public enum FileDigest {
    /// Lower-case hex SHA-256 of the file at `url`.
    public static func sha256Hex(of url: URL) throws(LiteRtError) -> String {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw .fileUnreadable(path: url.path, reason: "\(error.localizedDescription)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
            }
        } catch {
            throw .fileUnreadable(path: url.path, reason: "\(error.localizedDescription)")
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Lower-case hex SHA-256 of bytes in memory (e.g. a tensor's float32 contents).
    public static func sha256Hex(of bytes: UnsafeRawBufferPointer) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Throws `sha256Mismatch` unless the file's digest equals `expected` (hex, any case).
    public static func verify(_ url: URL, sha256 expected: String) throws(LiteRtError) {
        let actual = try sha256Hex(of: url)
        guard actual == expected.lowercased() else {
            throw .sha256Mismatch(path: url.path, expected: expected.lowercased(), actual: actual)
        }
    }
}
