import Foundation
import SigndCapture
import SigndCore
import Synchronization
import SigndEvents
import SigndLandmarks

/// What the live page shows, as `/status.json` serves it.
public struct LiveStatus: Sendable, Codable, Equatable {
    public struct Point: Sendable, Codable, Equatable {
        public var frame: Int
        /// P(signing) of the frame; nil before the first full window.
        public var p: Double?
    }
    public struct Sign: Sendable, Codable, Equatable {
        public var frame: Int?
        public var label: String
        public var score: Double
    }
    public var camera: String
    public var signing: Bool
    public var segment: Int?
    /// With `heads.confirm_frames` set, whether the open segment is confirmed (false: tentative); nil when
    /// confirmation is off or no segment is open.
    public var confirmed: Bool?
    public var frame: Int?
    public var health: String
    public var healthMessage: String?
    public var source: String
    /// The last `LiveView.traceLength` frames.
    public var trace: [Point]
    /// The last `LiveView.signsKept` sign events, newest first.
    public var signs: [Sign]
    /// Frames rendered for the stream so far.
    public var imagesRendered: Int

    enum CodingKeys: String, CodingKey {
        case camera, signing, segment, confirmed, frame, health, healthMessage = "health_message", source, trace, signs
        case imagesRendered = "images_rendered"
    }
}

/// The live view's model: it follows the events (`EventObserver`) and, while a page watches the stream,
/// renders the latest frame with its landmarks as a JPEG at most `fps` times a second. The frame loop calls
/// `wantsImage` and `render`; the HTTP side reads `status` and `latestImage` from its own threads.
public final class LiveView: EventObserver, Sendable {
    public static let traceLength = 300
    public static let signsKept = 10

    public let camera: String
    private let fps: Double
    private let width: Int
    private let state: Locked<LiveStatus>
    private let image = Locked<(sequence: Int, jpeg: [UInt8])>((0, []))
    private let watchers = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)
    private let lastRender = Atomic<UInt64>(0)

    public init(camera: String, fps: Double, width: Int) {
        self.camera = camera
        self.fps = fps
        self.width = width
        state = Locked(LiveStatus(camera: camera, signing: false, segment: nil, confirmed: nil, frame: nil, health: "ok", healthMessage: nil,
                                 source: "opening", trace: [], signs: [], imagesRendered: 0))
    }

    public var status: LiveStatus { state.withLock { $0 } }

    // MARK: frame loop side

    /// Whether the loop should hand over this frame: a page is watching and the last image is 1/fps old.
    public func wantsImage(now: UInt64) -> Bool {
        guard watchers.load(ordering: .relaxed) > 0 else { return false }
        return now &- lastRender.load(ordering: .relaxed) >= UInt64(1e9 / fps)
    }

    /// Draws the landmarks on a copy of the frame, scales it to the configured width and stores it as JPEG.
    public func render(_ image: BGRImage, landmarks: HolisticLandmarks, now: UInt64) throws {
        lastRender.store(now, ordering: .relaxed)
        // Scaled first, then drawn on (landmarks are normalised): the full-size frame is read once, never copied.
        let height = max(1, Int((Double(image.height) * Double(width) / Double(max(image.width, 1))).rounded()))
        var canvas = image.width == width ? OverlayCanvas(copying: image) : try OverlayCanvas(scaling: image, width: width, height: height)
        canvas.drawLandmarks(landmarks.pose, channels: HolisticLandmarks.poseChannels, connections: OverlayCanvas.poseConnections,
                             color: (0, 220, 0), radius: 3)
        canvas.drawLandmarks(landmarks.leftHand, channels: HolisticLandmarks.handChannels, connections: OverlayCanvas.handConnections,
                             color: (255, 80, 0), radius: 3)
        canvas.drawLandmarks(landmarks.rightHand, channels: HolisticLandmarks.handChannels, connections: OverlayCanvas.handConnections,
                             color: (0, 0, 255), radius: 3)
        let jpeg = try canvas.jpeg(quality: 75)
        self.image.withLock { $0 = ($0.sequence + 1, jpeg) }
        state.withLock { $0.imagesRendered += 1 }
    }

    // MARK: events

    public func observe(_ event: Event, frame: Int?) {
        state.withLock { status in
            switch event {
            case .frame(let f):
                status.frame = frame
                status.trace.append(.init(frame: frame ?? 0, p: f.probability))
                if status.trace.count > Self.traceLength { status.trace.removeFirst(status.trace.count - Self.traceLength) }
            case .state(let s):
                status.signing = s.phase != .end
                status.segment = s.phase == .end ? nil : s.segment
                status.confirmed = s.phase == .end ? nil : s.confirmed
            case .sign(let s):
                status.signs.insert(.init(frame: frame, label: s.label, score: s.score), at: 0)
                if status.signs.count > Self.signsKept { status.signs.removeLast() }
            case .health(let h):
                status.health = h.status.rawValue
                status.healthMessage = h.message
            case .source(let s):
                status.source = s.name.rawValue
            case .stats:
                break
            }
        }
    }

    // MARK: HTTP side

    /// The newest image and its sequence number (0: none yet).
    public var latestImage: (sequence: Int, jpeg: [UInt8]) { image.withLock { $0 } }

    /// A stream client arrived / left: rendering runs only while at least one watches.
    public func watcherJoined() { watchers.add(1, ordering: .relaxed) }
    public func watcherLeft() { watchers.subtract(1, ordering: .relaxed) }

    /// Ends every stream (the daemon is stopping), so the server can shut down without waiting on them.
    public func close() { closed.store(true, ordering: .relaxed) }
    public var isClosed: Bool { closed.load(ordering: .relaxed) }
}
