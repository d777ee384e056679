import CSigndOpenCV
import Foundation
import SigndCore

/// One captured frame and its identity/timing.
public struct Frame: Sendable {
    public let stamp: FrameStamp
    public let image: BGRImage
    public init(stamp: FrameStamp, image: BGRImage) { self.stamp = stamp; self.image = image }
}

/// What the source reports about itself once opened.
public struct SourceInfo: Sendable, Equatable {
    public var fps: Double          // 0 when unknown
    /// The frames the pipeline sees: after `CaptureOptions`' rotation and crop.
    public var width: Int
    public var height: Int
    public var frameCount: Int?     // files only
    public var backend: String
    /// What the source delivers (what a camera gave for the requested format).
    public var capturedWidth: Int
    public var capturedHeight: Int

    public init(fps: Double, width: Int, height: Int, frameCount: Int?, backend: String, capturedWidth: Int? = nil, capturedHeight: Int? = nil) {
        self.fps = fps
        self.width = width
        self.height = height
        self.frameCount = frameCount
        self.backend = backend
        self.capturedWidth = capturedWidth ?? width
        self.capturedHeight = capturedHeight ?? height
    }

    /// `640x360`, or `360x640 (captured 640x360)` when the capture options rotated or cropped the frames.
    public var sizeDescription: String {
        "\(width)x\(height)" + (capturedWidth == width && capturedHeight == height ? "" : " (captured \(capturedWidth)x\(capturedHeight))")
    }
}

/// Bounds on how long a dead source may block (OpenCV's own default is 30 s).
public struct CaptureTimeouts: Sendable, Equatable {
    public var openMillis: Int
    public var readMillis: Int
    public init(openMillis: Int = 5000, readMillis: Int = 3000) { self.openMillis = openMillis; self.readMillis = readMillis }
}

/// Synchronous, in-order frame reader: every frame of a file, as fast as the caller pulls (extraction,
/// benchmarks, tests). Live sources use `LiveCapture`, which adds a grab thread and reconnection.
/// Not thread-safe: use from one thread.
public final class VideoReader {
    public let spec: SourceSpec
    public let info: SourceInfo
    private var handle: OpaquePointer?
    private var nextIndex: Int
    private let processEvery: Int

    /// Frames delivered so far.
    public var framesRead: Int { nextIndex - firstIndex }
    private let firstIndex: Int

    /// True when a file stopped before the frame count its container reports (truncated or corrupt tail).
    public private(set) var endedEarly = false

    /// The source epoch stamped on every frame (`FrameStamp.epoch`).
    public let epoch: Int

    /// - Parameters:
    ///   - firstIndex: index given to the first frame (lets a reconnecting caller keep counting).
    ///   - epoch: the run of the source this reader is (a reopening caller passes the previous one + 1).
    ///   - options: what to ask of the source and do to each frame (checked against the source: a camera
    ///     format for a file, or a crop outside the frame, is an error naming the option).
    public init(_ spec: SourceSpec, timeouts: CaptureTimeouts = .init(), options: CaptureOptions = .init(),
                firstIndex: Int = 0, epoch: Int = 0) throws(CaptureError) {
        self.spec = spec
        self.epoch = epoch
        self.firstIndex = firstIndex
        self.nextIndex = firstIndex
        self.processEvery = max(1, options.processEvery)
        if let problem = options.problem(for: spec) { throw problem }
        var request = options.request
        var err = [CChar](repeating: 0, count: 512)
        let opened: OpaquePointer?
        let (open, read) = (Int32(timeouts.openMillis), Int32(timeouts.readMillis))
        switch spec {
        case .file(let path):
            guard FileManager.default.fileExists(atPath: path) else { throw .fileNotFound(path: path) }
            opened = signd_capture_open(path, -1, SIGND_BACKEND_FFMPEG, open, read, &request, &err, err.count)
        case .network(let url):
            opened = signd_capture_open(url, -1, SIGND_BACKEND_FFMPEG, open, read, &request, &err, err.count)
        case .camera(let index):
            opened = signd_capture_open(nil, Int32(index), SIGND_BACKEND_V4L2, open, read, &request, &err, err.count)
        case .device(let path):
            opened = signd_capture_open(path, -1, SIGND_BACKEND_V4L2, open, read, &request, &err, err.count)
        }
        guard let opened else {
            let detail = String(cString: err)
            let cause = OpenFailureDiagnosis.cause(of: spec, timeoutMillis: timeouts.openMillis)
            throw .cannotOpen(source: spec.description, reason: cause.map { "\($0); \(detail)" } ?? detail)
        }
        var raw = signd_capture_info()
        signd_capture_get_info(opened, &raw)
        let backend = withUnsafeBytes(of: raw.backend_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard raw.width > 0, raw.height > 0 else {
            signd_capture_release(opened)
            throw .cannotOpen(source: spec.description, reason: "the source reports no frame size (not a video?)")
        }
        if let problem = options.cropProblem(width: Int(raw.width), height: Int(raw.height)) {
            signd_capture_release(opened)
            throw .badOption(key: "crop", source: spec.description, reason: problem)
        }
        var transform = options.transform
        signd_capture_set_transform(opened, &transform)
        let rotated = options.rotatedSize(width: Int(raw.width), height: Int(raw.height))
        self.info = SourceInfo(
            fps: raw.fps.isFinite && raw.fps > 0 ? raw.fps : 0,
            width: options.crop?.width ?? rotated.width, height: options.crop?.height ?? rotated.height,
            frameCount: spec.isLive || raw.frame_count <= 0 ? nil : Int(raw.frame_count),
            backend: backend,
            capturedWidth: Int(raw.width), capturedHeight: Int(raw.height)
        )
        self.handle = opened
    }

    deinit { close() }

    /// Releases the source; `next()` returns nil afterwards.
    public func close() {
        if let handle { signd_capture_release(handle) }
        handle = nil
    }

    /// The next frame, or nil at the end of the stream (or when a live source stopped delivering within
    /// the read timeout). Throws when OpenCV reports a decoding error.
    public func next() throws(CaptureError) -> Frame? {
        guard let handle else { return nil }
        var image: OpaquePointer?
        var positionMillis = -1.0
        var err = [CChar](repeating: 0, count: 512)
        var status: Int32 = 1
        // source.process_every: frames between the processed ones are passed over unconverted.
        while status == 1, (nextIndex - firstIndex) % processEvery != 0 {
            status = signd_capture_skip(handle, &err, err.count)
            if status == 1 { nextIndex += 1 }
        }
        if status == 1 { status = signd_capture_read(handle, &image, &positionMillis, &err, err.count) }
        let captured = Clock.monotonicNanos()
        switch status {
        case 1:
            guard let image else { return nil }
            defer { nextIndex += 1 }
            let stamp = FrameStamp(index: nextIndex, captureNanos: captured, sourceMillis: positionMillis >= 0 ? positionMillis : nil,
                                   epoch: epoch)
            return Frame(stamp: stamp, image: BGRImage(taking: image))
        case 0:
            if let expected = info.frameCount, framesRead < expected - 1 { endedEarly = true }
            close()
            return nil
        default:
            throw .decodeFailed(source: spec.description, frame: nextIndex, reason: String(cString: err))
        }
    }
}
