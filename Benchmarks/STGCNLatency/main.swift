// signd-bench-stgcn: per-window latency of the SignSTGCN forward pass (batch 1), full recompute vs
// streaming with frame reuse. Run with OPENBLAS_NUM_THREADS=1 for the single-core figure.
import Foundation
import SigndSTGCN

struct Options {
    var stem = "Tests/Fixtures/stgcn/additive_binary_j75_c2/model"
    var iterations = 200
    var warmup = 20
    var json = false
    /// Profiling aid: run only one of the measurements.
    var only: String?
    var interleave = false
}

func parse() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    func value(_ flag: String) -> String {
        guard let v = args.popFirst() else { fail("\(flag) needs a value") }
        return v
    }
    while let a = args.popFirst() {
        switch a {
        case "--model": o.stem = value(a)
        case "--iterations": o.iterations = Int(value(a)) ?? -1
        case "--warmup": o.warmup = Int(value(a)) ?? -1
        case "--json": o.json = true
        case "--only": o.only = value(a)
        case "--interleave": o.interleave = true
        case "-h", "--help":
            print("usage: signd-bench-stgcn [--model STEM] [--iterations N] [--warmup N] [--json] [--only full|stream|stream-no-reuse] [--interleave]")
            exit(0)
        default: fail("unknown argument \(a)")
        }
    }
    guard o.iterations > 0, o.warmup >= 0 else { fail("--iterations must be > 0 and --warmup >= 0") }
    return o
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("signd-bench-stgcn: \(message)\n".utf8))
    exit(2)
}

/// Deterministic landmark-like frames: smooth motion in [0,1], a hand missing (NaN) now and then.
struct FrameSource {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    let joints: Int, coords: Int, handRange: Range<Int>
    var index = 0

    mutating func uniform() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(state >> 40) / Float(1 << 24)
    }

    mutating func next() -> [Float] {
        var frame = [Float](repeating: 0, count: joints * coords)
        let phase = Float(index) * 0.1
        for j in 0..<joints {
            for c in 0..<coords {
                frame[j * coords + c] = 0.5 + 0.3 * sinf(phase + Float(j * coords + c) * 0.37) + 0.01 * uniform()
            }
        }
        if index % 40 >= 30 { for j in handRange { for c in 0..<coords { frame[j * coords + c] = .nan } } }
        index += 1
        return frame
    }
}

struct Summary {
    let median, p90, mean, fastest: Double

    init(_ samples: [Double]) {
        let s = samples.sorted()
        median = s[s.count / 2]
        p90 = s[Swift.min(s.count - 1, Int((Double(s.count) * 0.9).rounded(.up)) - 1)]
        mean = s.reduce(0, +) / Double(s.count)
        fastest = s[0]
    }

    var json: String {
        String(format: "{\"median_ms\": %.4f, \"p90_ms\": %.4f, \"mean_ms\": %.4f, \"min_ms\": %.4f}", median, p90, mean, fastest)
    }
}

func milliseconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

let options = parse()
let model: STGCNModel
do {
    model = try STGCNModel.load(stem: URL(fileURLWithPath: options.stem))
} catch {
    fail("\(error)")
}
let m = model.manifest
var source = FrameSource(joints: m.numJoints, coords: m.coordCount, handRange: 33..<min(54, m.numJoints))
let total = options.warmup + options.iterations
let frames = (0..<(total + m.window)).map { _ in source.next() }

// Each measurement runs in its own tight loop over the same windows (as the PyTorch reference does);
// with --interleave they alternate window by window instead, so that load from other processes (and
// cache eviction between calls, as in the daemon) hits them alike.
let runFull = options.only == nil || options.only == "full"
let runStream = options.only == nil || options.only == "stream"
let runNoReuse = options.only == nil || options.only == "stream-no-reuse"
let reused = STGCNStream(model: model, reuse: true)
let recomputed = STGCNStream(model: model, reuse: false)
for frame in frames[0 ..< m.window - 1] {
    _ = reused.push(frame: frame)
    _ = recomputed.push(frame: frame)
}
var full: [Double] = [], streaming: [Double] = [], noReuse: [Double] = []
var fullLogits: [[Float]] = [], streamLogits: [[Float]] = []
var sink: Float = 0

@MainActor func measureFull(_ i: Int) {
    let window = Array(frames[i ..< i + m.window].joined())
    var out: [Float] = []
    let ms = milliseconds { out = model.logits(window: window) }
    fullLogits.append(out)
    if i >= options.warmup { full.append(ms) }
}

@MainActor func measureStream(_ stream: STGCNStream, _ i: Int, into samples: inout [Double], keep: Bool) {
    var out: [Float]?
    let ms = milliseconds { out = stream.push(frame: frames[i + m.window - 1]) }
    guard let out else { fail("stream gave no output for window \(i)") }
    if keep { streamLogits.append(out) } else { sink += out[0] }
    if i >= options.warmup { samples.append(ms) }
}

if options.interleave {
    for i in 0..<total {
        if runFull { measureFull(i) }
        if runStream { measureStream(reused, i, into: &streaming, keep: true) }
        if runNoReuse { measureStream(recomputed, i, into: &noReuse, keep: false) }
    }
} else {
    if runFull { for i in 0..<total { measureFull(i) } }
    if runStream { for i in 0..<total { measureStream(reused, i, into: &streaming, keep: true) } }
    if runNoReuse { for i in 0..<total { measureStream(recomputed, i, into: &noReuse, keep: false) } }
}
/// Largest |streaming − full recompute| logit over all windows: the benchmark checks what it times.
var worstDiff: Float = 0
for (a, b) in zip(fullLogits, streamLogits) {
    for (x, y) in zip(a, b) { worstDiff = max(worstDiff, abs(x - y)) }
}
sink += fullLogits.last?.first ?? 0

// Skipped measurements (--only) report zeros.
if full.isEmpty { full = [0] }
if streaming.isEmpty { streaming = [0] }
if noReuse.isEmpty { noReuse = [0] }

let f = Summary(full), s = Summary(streaming), n = Summary(noReuse)
let threads = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "default"
if options.json {
    print("{\"model\": \"\(options.stem)\", \"joints\": \(m.numJoints), \"coords\": \(m.coordCount), "
        + "\"attention\": \"\(m.attention.rawValue)\", \"iterations\": \(options.iterations), "
        + "\"openblas_threads\": \"\(threads)\", \"interleaved\": \(options.interleave), \"blas\": \"\(openBLASDescription())\", "
        + "\"swift_full\": \(f.json), \"swift_stream\": \(s.json), \"swift_stream_no_reuse\": \(n.json), "
        + "\"max_abs_diff_stream_vs_full\": \(worstDiff), \"checksum\": \(sink)}")
} else {
    print("model \(options.stem)  J=\(m.numJoints) C=\(m.coordCount) attention=\(m.attention.rawValue)")
    print("OpenBLAS: \(openBLASDescription())  OPENBLAS_NUM_THREADS=\(threads)")
    print("per-window latency over \(options.iterations) windows (\(options.warmup) warm-up), ms:")
    print(String(format: "  %-26@ median %7.3f  p90 %7.3f  mean %7.3f", "full recompute" as NSString, f.median, f.p90, f.mean))
    print(String(format: "  %-26@ median %7.3f  p90 %7.3f  mean %7.3f", "streaming (reuse)" as NSString, s.median, s.p90, s.mean))
    print(String(format: "  %-26@ median %7.3f  p90 %7.3f  mean %7.3f", "streaming (no reuse)" as NSString, n.median, n.p90, n.mean))
    print("max |streaming − full recompute| logit: \(worstDiff)")
}
