import Foundation
import SigndEvents
import XCTest

final class CurveTests: XCTestCase {
    func testKeyParsingAndDerivation() throws {
        let pair = try CurveKeyPair.generate()
        XCTAssertEqual(pair.publicKey.z85.count, 40)
        XCTAssertEqual(try pair.secretKey.derivedPublicKey(), pair.publicKey)
        XCTAssertEqual(try CurveKey(z85: pair.publicKey.z85), pair.publicKey)
        XCTAssertEqual(try CurveKey(bytes: pair.secretKey.bytes), pair.secretKey)
        XCTAssertFalse("\(pair.secretKey)".contains(pair.secretKey.z85), "interpolation must not print a secret key")
        XCTAssertThrowsError(try CurveKey(z85: "short", name: "curve.allowed_clients[1]")) {
            guard case CurveError.invalidKey(name: "curve.allowed_clients[1]", _) = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try CurveKey(z85: String(repeating: "\"", count: 40), name: "curve.secret_key")) {
            guard case CurveError.invalidKey(name: "curve.secret_key", reason: "not valid Z85 text") = $0 else {
                return XCTFail("\($0)")
            }
        }
    }

    func testAllowListAdmitsListedClientsOnly() throws {
        let server = try CurveKeyPair.generate()
        let allowed = try CurveKeyPair.generate()
        let stranger = try CurveKeyPair.generate()
        let publisher = try EventPublisher(configuration: .init(
            camera: "c", endpoints: ["tcp://127.0.0.1:*"],
            curve: CurveServerConfiguration(secretKey: server.secretKey, clients: .allowList([allowed.publicKey]))))
        defer { publisher.close() }
        XCTAssertEqual(publisher.curvePublicKey, server.publicKey)
        let endpoint = publisher.boundEndpoints[0]

        let good = try EventSubscriber(endpoint: endpoint, curve: .init(serverPublicKey: server.publicKey, clientKeys: allowed))
        let bad = try EventSubscriber(endpoint: endpoint, curve: .init(serverPublicKey: server.publicKey, clientKeys: stranger))
        let plain = try EventSubscriber(endpoint: endpoint)
        defer { good.close(); bad.close(); plain.close() }

        XCTAssertTrue(try Helpers.waitUntilSubscribed(publisher, good), "the allowed client received nothing")
        // Keep publishing for a while: the stranger and the plaintext client must get nothing.
        for i in 0..<50 {
            try publisher.publish(.health(HealthEvent(status: .ok, message: "secret \(i)")), frame: nil)
            usleep(10_000)
        }
        XCTAssertNotNil(try good.receive(timeoutMilliseconds: 2_000))
        XCTAssertNil(try bad.receive(timeoutMilliseconds: 500), "a client with an unknown key received events")
        XCTAssertNil(try plain.receive(timeoutMilliseconds: 100), "a plaintext client received events")
        let stats = publisher.statistics
        XCTAssertGreaterThanOrEqual(stats.curveClientsAccepted, 1)
        XCTAssertGreaterThanOrEqual(stats.curveClientsRejected, 1, "the ZAP handler never saw the stranger")
    }

    /// `.any`: encryption without an allow-list; a client still needs the server's public key.
    func testAnyClientWithServerKey() throws {
        let server = try CurveKeyPair.generate()
        let publisher = try EventPublisher(configuration: .init(
            camera: "c", endpoints: ["tcp://127.0.0.1:*"],
            curve: CurveServerConfiguration(secretKey: server.secretKey, clients: .any)))
        defer { publisher.close() }
        let client = try EventSubscriber(endpoint: publisher.boundEndpoints[0],
                                         curve: .init(serverPublicKey: server.publicKey, clientKeys: try .generate()))
        let wrongServerKey = try EventSubscriber(endpoint: publisher.boundEndpoints[0],
                                                 curve: .init(serverPublicKey: try CurveKeyPair.generate().publicKey,
                                                              clientKeys: try .generate()))
        defer { client.close(); wrongServerKey.close() }
        XCTAssertTrue(try Helpers.waitUntilSubscribed(publisher, client))
        XCTAssertNil(try wrongServerKey.receive(timeoutMilliseconds: 300))
    }

    /// Closing a CURVE publisher stops its ZAP thread; a new one can bind the handler again.
    func testRepeatedCurvePublishers() throws {
        let server = try CurveKeyPair.generate()
        for _ in 0..<5 {
            let publisher = try EventPublisher(configuration: .init(
                camera: "c", endpoints: ["tcp://127.0.0.1:*"],
                curve: CurveServerConfiguration(secretKey: server.secretKey, clients: .allowList([]))))
            try publisher.publish(.source(.ended), frame: nil)
            publisher.close()
        }
    }
}
