/// The pinned artefacts of `pins.tsv` (embedded at build time), the one table `scripts/fetch-models` also reads.
public struct Pin: Sendable, Equatable {
    public enum Kind: String, Sendable { case wheel, library, model }
    public var kind: Kind
    public var name: String
    /// nil where the size is not checked (wheels, the library).
    public var byteCount: Int?
    public var sha256: String
    /// The pip requirement (wheels) or the path inside the wheel (library, models).
    public var origin: String

    /// Every pin, in file order.
    public static let all: [Pin] = parse(String(decoding: PackageResources.pins_tsv, as: UTF8.self))

    /// The pin named `name` (e.g. "pose_detection.tflite"); a missing one is a build defect, not an input error.
    public static func named(_ name: String) -> Pin {
        guard let pin = all.first(where: { $0.name == name }) else { preconditionFailure("pins.tsv has no entry \(name)") }
        return pin
    }

    static func parse(_ text: String) -> [Pin] {
        text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 5, let kind = Kind(rawValue: f[0]) else { preconditionFailure("pins.tsv: malformed line '\(line)'") }
            return Pin(kind: kind, name: f[1], byteCount: Int(f[2]), sha256: f[3], origin: f[4])
        }
    }
}
