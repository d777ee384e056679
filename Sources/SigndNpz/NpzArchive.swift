import Foundation
import ZIPFoundation

/// Reads and writes `.npz` files (a zip of `.npy` members), the seed landmark format:
/// `pose` (T,33,4), `left_hand` (T,21,3), `right_hand` (T,21,3), optional `face` (T,468|478,3), NaN = absent.
public enum NpzArchive {
    /// Reads every member (or only `names`) of an `.npz` file.
    public static func read(_ url: URL, only names: Set<String>? = nil) throws(NpyError) -> [String: NpyArray] {
        guard FileManager.default.fileExists(atPath: url.path) else { throw .fileNotFound(path: url.path) }
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw .notAnArchive(path: url.path, reason: "\(error)")
        }
        var result: [String: NpyArray] = [:]
        for entry in archive where entry.type == .file && entry.path.hasSuffix(".npy") {
            let name = String(entry.path.dropLast(4))
            if let names, !names.contains(name) { continue }
            var data = Data()
            do { _ = try archive.extract(entry) { data.append($0) } } catch {
                throw .notAnArchive(path: url.path, reason: "member '\(entry.path)': \(error)")
            }
            result[name] = try NpyFormat.decode(data, member: "\(url.lastPathComponent):\(name)")
        }
        if let names {
            for name in names where result[name] == nil { throw .missingMember(path: url.path, member: name) }
        }
        return result
    }

    /// Writes arrays as float32 `.npy` members, deflate-compressed like `np.savez_compressed`. The file is
    /// written to a temporary name and renamed, so a crash never leaves a half-written `.npz`.
    public static func write(_ arrays: [(name: String, array: NpyArray)], to url: URL) throws(NpyError) {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        try? FileManager.default.removeItem(at: temporary)
        do {
            let archive = try Archive(url: temporary, accessMode: .create)
            for (name, array) in arrays {
                let data = NpyFormat.encode(array)
                try archive.addEntry(with: name + ".npy", type: .file, uncompressedSize: Int64(data.count),
                                     compressionMethod: .deflate) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: temporary, to: url)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .writeFailed(path: url.path, reason: "\(error)")
        }
    }
}
