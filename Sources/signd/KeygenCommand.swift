import ArgumentParser
import SigndEvents

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a CURVE key pair for events.curve (server) or for a subscriber (client).",
        discussion: """
        Put the secret key in the daemon's config (events.curve.server_secret_key) and give the public key to
        subscribers; for a subscriber, add its public key to events.curve.allowed_client_keys.
        """
    )

    func run() throws {
        do {
            let pair = try CurveKeyPair.generate()
            print("public_key: \"\(pair.publicKey.z85)\"")
            print("secret_key: \"\(pair.secretKey.z85)\"")
        } catch {
            throw failure(error.description)
        }
    }
}
