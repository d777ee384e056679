/// One SSD anchor centre (normalized) and size; with `fixed_anchor_size` the size is always 1×1.
public struct Anchor: Sendable, Hashable {
    public var xCenter: Float
    public var yCenter: Float
    public var width: Float
    public var height: Float
}

/// MediaPipe SsdAnchorsCalculator for the options Holistic uses: aspect ratio 1 plus one interpolated
/// anchor per layer (2 per layer), fixed anchor size, anchor offset 0.5. Layers sharing a stride are merged
/// into one grid whose cells carry 2 × (number of those layers) anchors.
public struct SsdAnchorOptions: Sendable, Hashable {
    public var inputWidth: Int
    public var inputHeight: Int
    public var strides: [Int]
    public var anchorOffsetX: Float = 0.5
    public var anchorOffsetY: Float = 0.5

    /// pose_detection: 224×224, strides 8,16,32,32,32 → 2254 anchors.
    public static let pose = SsdAnchorOptions(inputWidth: 224, inputHeight: 224, strides: [8, 16, 32, 32, 32])
    /// face_detection_short_range: 128×128, strides 8,16,16,16 → 896 anchors.
    public static let faceShortRange = SsdAnchorOptions(inputWidth: 128, inputHeight: 128, strides: [8, 16, 16, 16])
}

public enum SsdAnchors {
    public static func generate(_ options: SsdAnchorOptions) -> [Anchor] {
        var anchors: [Anchor] = []
        var layer = 0
        let strides = options.strides
        while layer < strides.count {
            // Count consecutive layers with the same stride; each contributes 2 anchors per cell
            // (aspect ratio 1 and the interpolated scale).
            var last = layer
            var anchorsPerCell = 0
            while last < strides.count && strides[last] == strides[layer] {
                anchorsPerCell += 2
                last += 1
            }
            let stride = strides[layer]
            let fh = Int((Double(options.inputHeight) / Double(stride)).rounded(.up))
            let fw = Int((Double(options.inputWidth) / Double(stride)).rounded(.up))
            for y in 0..<fh {
                for x in 0..<fw {
                    let xc = (Float(x) + options.anchorOffsetX) / Float(fw)
                    let yc = (Float(y) + options.anchorOffsetY) / Float(fh)
                    for _ in 0..<anchorsPerCell {
                        anchors.append(Anchor(xCenter: xc, yCenter: yc, width: 1, height: 1))
                    }
                }
            }
            layer = last
        }
        return anchors
    }
}
