/// How `frame` events carry landmark coordinates (`events.landmark_encoding`, docs/events.md).
public enum LandmarkEncoding: String, Sendable, Equatable, CaseIterable, Codable {
    /// One array of numbers per joint, each rounded to `decimals` places.
    case json
    /// Each part as base64 of its little-endian float32 values (joints × channels, row-major), NaN where a
    /// value is missing: the values exactly as computed, in about half the bytes of `json` with the face.
    case f32Base64 = "f32_base64"

    /// 1e-5 of the image: 0.02 px on a 1920 px wide frame, far below what the landmark models resolve, so
    /// the rounding drops only digits that carry noise (a float32 printed as a double shows 17).
    public static let decimals = 5
}
