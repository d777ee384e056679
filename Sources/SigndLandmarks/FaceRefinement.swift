/// MediaPipe's `refine_face_landmarks` output: face_landmark_with_attention's six landmark tensors merged
/// into 478 points, as `tensors_to_face_landmarks_with_attention.pbtxt` does (TensorsToLandmarks on each, then
/// LandmarksRefinementCalculator). The mesh gives all 468 points with z; lips and eyes replace x and y of
/// their points (z kept); each iris adds five points whose z is the mean mesh z of its eye's contour.
enum FaceRefinement {
    static let meshPoints = 468

    /// Model outputs, by tensor name, with the points each holds and where they go.
    struct Part {
        let tensor: String
        let mapping: [Int]
        let zFromContour: [Int]?
    }

    // The lips and eye mappings are also the subsets the model's own Landmarks2TransformMatrix nodes crop.
    static let lips = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291,   // lower outer
                       185, 40, 39, 37, 0, 267, 269, 270, 409,               // upper outer
                       78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308,     // lower inner
                       191, 80, 81, 82, 13, 312, 311, 310, 415,              // upper inner
                       76, 77, 90, 180, 85, 16, 315, 404, 320, 307, 306,     // lower semi-outer
                       184, 74, 73, 72, 11, 302, 303, 304, 408,              // upper semi-outer
                       62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292,     // lower semi-inner
                       183, 42, 41, 38, 12, 268, 271, 272, 407]              // upper semi-inner
    static let leftEye = [33, 7, 163, 144, 145, 153, 154, 155, 133,        // lower contour
                          246, 161, 160, 159, 158, 157, 173,               // upper contour
                          130, 25, 110, 24, 23, 22, 26, 112, 243,          // halo ×2
                          247, 30, 29, 27, 28, 56, 190,
                          226, 31, 228, 229, 230, 231, 232, 233, 244,      // halo ×3
                          113, 225, 224, 223, 222, 221, 189,
                          35, 124, 46, 53, 52, 65,                         // halo ×4 / eyebrow inner
                          143, 111, 117, 118, 119, 120, 121, 128, 245,     // halo ×5
                          156, 70, 63, 105, 66, 107, 55, 193]
    static let rightEye = [263, 249, 390, 373, 374, 380, 381, 382, 362,
                           466, 388, 387, 386, 385, 384, 398,
                           359, 255, 339, 254, 253, 252, 256, 341, 463,
                           467, 260, 259, 257, 258, 286, 414,
                           446, 261, 448, 449, 450, 451, 452, 453, 464,
                           342, 445, 444, 443, 442, 441, 413,
                           265, 353, 276, 283, 282, 295,
                           372, 340, 346, 347, 348, 349, 350, 357, 465,
                           383, 300, 293, 334, 296, 336, 285, 417]

    /// After the mesh, in the calculator's order (later parts overwrite earlier ones).
    static let parts: [Part] = [
        Part(tensor: "output_lips", mapping: lips, zFromContour: nil),
        Part(tensor: "output_left_eye", mapping: leftEye, zFromContour: nil),
        Part(tensor: "output_right_eye", mapping: rightEye, zFromContour: nil),
        Part(tensor: "output_left_iris", mapping: Array(468..<473), zFromContour: Array(leftEye.prefix(16))),
        Part(tensor: "output_right_iris", mapping: Array(473..<478), zFromContour: Array(rightEye.prefix(16))),
    ]
    static let meshTensor = "output_mesh_identity"
    static let flagTensor = "conv_faceflag"
    static let refinedPoints = 478

    /// Writes `points` (decoded from one part's tensor, x and y only) into `refined` at the part's indices.
    static func apply(_ part: Part, points: [Landmark], to refined: inout [Landmark]) {
        precondition(points.count == part.mapping.count, "\(part.tensor): \(points.count) points for \(part.mapping.count) indices")
        for (point, index) in zip(points, part.mapping) {
            refined[index].x = point.x
            refined[index].y = point.y
        }
        guard let contour = part.zFromContour else { return }
        // GetZAverage: a double sum, divided, returned as float.
        var sum = 0.0
        for index in contour { sum += Double(refined[index].z) }
        let z = Float(sum / Double(contour.count))
        for index in part.mapping { refined[index].z = z }
    }
}
