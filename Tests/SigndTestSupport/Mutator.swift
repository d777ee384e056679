import Foundation

/// A seeded mutator for bounded fuzz tests of the input readers: each call returns a damaged copy of a valid
/// input (bytes flipped, cut, duplicated, digits made huge, brackets nested). Deterministic for a seed, so a
/// failure reproduces; `SIGND_FUZZ_ITERATIONS` runs longer than the default on demand.
public struct Mutator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// Iterations for a fuzz test: `SIGND_FUZZ_ITERATIONS` if set, else `defaultCount`.
    public static func iterations(default defaultCount: Int) -> Int {
        ProcessInfo.processInfo.environment["SIGND_FUZZ_ITERATIONS"].flatMap(Int.init) ?? defaultCount
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }

    /// 1–4 random mutations of `input`.
    public mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...below(4) {
            let at = below(bytes.count + 1)
            switch below(8) {
            case 7: bytes = replacingNumber(in: bytes)                               // a size or count, made big
            case 0 where !bytes.isEmpty: bytes[min(at, bytes.count - 1)] ^= UInt8(1 << below(8))
            case 1: bytes = Array(bytes.prefix(at))                                  // truncate
            case 2 where !bytes.isEmpty:                                             // duplicate a run
                let len = min(below(64) + 1, bytes.count - min(at, bytes.count - 1))
                let start = min(at, bytes.count - 1)
                bytes.insert(contentsOf: bytes[start..<start + len], at: start)
            case 3: bytes.insert(contentsOf: Array(String(repeating: "9", count: below(20) + 1).utf8), at: at)  // big number
            case 4: bytes.insert(contentsOf: Array(String(repeating: "[{", count: below(200) + 1).utf8), at: at)
            case 5 where !bytes.isEmpty: bytes.remove(at: min(at, bytes.count - 1))
            default: bytes.insert(UInt8(truncatingIfNeeded: next()), at: at)
            }
        }
        return bytes
    }

    /// Replaces one run of ASCII digits with 1–19 random digits (sizes, shapes and offsets live in them).
    private mutating func replacingNumber(in bytes: [UInt8]) -> [UInt8] {
        let digit: (UInt8) -> Bool = { (0x30...0x39).contains($0) }
        let starts = bytes.indices.filter { digit(bytes[$0]) && ($0 == 0 || !digit(bytes[$0 - 1])) }
        guard !starts.isEmpty else { return bytes }
        let start = starts[below(starts.count)]
        var end = start
        while end < bytes.count, digit(bytes[end]) { end += 1 }
        let count = below(19) + 1
        let digits = (0..<count).map { i in UInt8(0x30 + (i == 0 ? 1 + below(9) : below(10))) }
        var out = bytes
        out.replaceSubrange(start..<end, with: digits)
        return out
    }
}
