import CSigndOpenCV
import SigndCore

extension CaptureOptions {
    /// Why these options cannot apply to `spec` (a camera format for a file or a stream, an RTSP transport
    /// for anything but rtsp://), nil when they apply. check-config and every open ask the same question.
    public func problem(for spec: SourceSpec) -> CaptureError? {
        let isCamera: Bool
        switch spec {
        case .camera, .device: isCamera = true
        case .file, .network: isCamera = false
        }
        if requestsCameraFormat, !isCamera {
            let key = width != nil ? "width" : height != nil ? "height" : fps != nil ? "fps" : "fourcc"
            return .badOption(key: key, source: spec.description, reason: "applies to cameras (an index or /dev/videoN) only; a file or stream delivers its own format")
        }
        if rtspTransport != nil {
            guard case .network(let url) = spec, url.lowercased().hasPrefix("rtsp") else {
                return .badOption(key: "rtsp_transport", source: spec.description, reason: "applies to rtsp:// sources only")
            }
        }
        return nil
    }

    var request: signd_capture_request {
        var r = signd_capture_request()
        r.width = Int32(width ?? 0)
        r.height = Int32(height ?? 0)
        r.fps = fps ?? 0
        if let code = fourcc?.utf8, code.count == 4 {
            let bytes = Array(code).map { CChar(bitPattern: $0) }
            r.fourcc = (bytes[0], bytes[1], bytes[2], bytes[3])
        }
        r.rtsp_transport = switch rtspTransport { case nil: 0; case .tcp?: 1; case .udp?: 2 }
        return r
    }

    var transform: signd_frame_transform {
        var t = signd_frame_transform()
        t.rotate = Int32(rotate)
        t.flip = switch flip { case .none: 0; case .horizontal: 1; case .vertical: 2 }
        if let crop {
            t.crop_x = Int32(crop.x); t.crop_y = Int32(crop.y); t.crop_width = Int32(crop.width); t.crop_height = Int32(crop.height)
        }
        return t
    }
}
