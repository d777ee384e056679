import Foundation
import SigndCore
import SigndEvents
import XCTest

/// `frame` landmarks in both encodings: rounded JSON numbers and packed float32.
final class LandmarkEncodingTests: XCTestCase {
    /// A frame with every part detected, values spread over [0, 1) like image coordinates (deterministic).
    private func frame() -> HolisticLandmarks {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        var l = HolisticLandmarks.empty(withFace: true)
        for i in l.pose.indices { l.pose[i] = next() }
        for i in l.leftHand.indices { l.leftHand[i] = next() }
        for i in l.rightHand.indices { l.rightHand[i] = next() }
        l.face = (0..<HolisticLandmarks.faceJoints * HolisticLandmarks.faceChannels).map { _ in next() }
        l.leftHand[5] = .nan
        return l
    }

    /// Each encoded part beside the values it was made from.
    private func pairs(_ parts: FrameLandmarks, _ l: HolisticLandmarks) -> [(LandmarkPart?, [Float])] {
        [(parts.pose, l.pose), (parts.leftHand, l.leftHand), (parts.rightHand, l.rightHand), (parts.face, l.face ?? [])]
    }

    private func payload(_ landmarks: HolisticLandmarks, _ encoding: LandmarkEncoding?) throws -> (Data, EventMessage) {
        let event = Event.frame(FrameEvent(stamp: FrameStamp(index: 3, captureNanos: 1, sourceMillis: nil),
                                           landmarks: landmarks, probability: nil, landmarkEncoding: encoding))
        let message = EventMessage(envelope: EventEnvelope(kind: .frame, seq: 0, frame: 3, monoNanos: 2, wall: 3, camera: "c"), event: event)
        return (try EventMessage.makeEncoder().encode(message), message)
    }

    func testJSONNumbersAreRoundedToFiveDecimals() throws {
        let l = frame()
        let (data, message) = try payload(l, .json)
        let text = String(decoding: data, as: UTF8.self)
        // No landmark number carries more than 5 decimals (a float32 printed as a double shows up to 17 digits).
        let landmarksText = String(text[text.range(of: "\"landmarks\"")!.lowerBound...])
        let long = try NSRegularExpression(pattern: #"\d\.\d{6,}"#)
        XCTAssertEqual(long.numberOfMatches(in: landmarksText, range: NSRange(landmarksText.startIndex..., in: landmarksText)), 0,
                       String(landmarksText.prefix(300)))
        let decoded = try JSONDecoder().decode(EventMessage.self, from: data)
        XCTAssertEqual(decoded, message)
        guard case .frame(let f) = decoded.event, let parts = f.landmarks else { return XCTFail("no landmarks") }
        XCTAssertEqual(parts.encoding, .json)
        for (part, original) in pairs(parts, l) {
            let values = try XCTUnwrap(part?.values)
            XCTAssertEqual(values.count, original.count)
            for (a, b) in zip(values, original) {
                if b.isNaN { XCTAssertTrue(a.isNaN) } else { XCTAssertEqual(a, b, accuracy: 5e-6 + 1e-7, "half of the last kept decimal, plus float32 rounding") }
            }
        }
    }

    func testPackedFloat32IsExactAndSmaller() throws {
        let l = frame()
        let (packed, message) = try payload(l, .f32Base64)
        let decoded = try JSONDecoder().decode(EventMessage.self, from: packed)
        XCTAssertEqual(decoded, message)
        guard case .frame(let f) = decoded.event, let parts = f.landmarks else { return XCTFail("no landmarks") }
        XCTAssertEqual(parts.encoding, .f32Base64)
        for (part, original) in pairs(parts, l) {
            let values = try XCTUnwrap(part?.values)
            XCTAssertEqual(values.map(\.bitPattern), original.map(\.bitPattern), "bit-identical, NaN included")
        }
        XCTAssertNil(LandmarkPart.packed("not base64!").values)
        var noHands = l
        noHands.leftHand = .init(repeating: .nan, count: noHands.leftHand.count)
        let (absent, _) = try payload(noHands, .f32Base64)
        XCTAssertTrue(String(decoding: absent, as: UTF8.self).contains("\"left_hand\":null"), "an undetected part is null in either encoding")

        let (json, _) = try payload(l, .json)
        let (none, _) = try payload(l, nil)
        // What a float32 printed as a double cost before rounding (schema 1), for comparison.
        let unrounded = try JSONEncoder().encode([l.pose, l.leftHand.map { $0.isNaN ? 0 : $0 }, l.rightHand, l.face!].map { $0.map(Double.init) })
        print("frame event with face: no landmarks \(none.count) B, json \(json.count) B, f32_base64 \(packed.count) B; the same arrays unrounded \(unrounded.count) B")
        XCTAssertLessThan(packed.count, json.count)
        XCTAssertLessThan(json.count, unrounded.count)
    }
}
