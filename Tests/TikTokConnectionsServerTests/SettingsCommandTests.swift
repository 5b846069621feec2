import Foundation
import Testing
import TikTokConnections

/// The executable's settings: bad values stop it with a clear message naming the variable (never echoing a secret),
/// and `webhooks new-secret` makes a usable secret.
@Suite("Settings and the webhooks command")
struct SettingsCommandTests {
    static func cli(_ environment: [String: String]) throws -> CLI {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString)")
        var environment = environment
        environment["TIKTOK_BUSINESS_DATABASE_URL"] = environment["TIKTOK_BUSINESS_DATABASE_URL"]
            ?? "sqlite://\(directory.path)/connections.sqlite"
        environment["TIKTOK_BUSINESS_SANDBOX_PORT"] = "0"
        return CLI(binary: try ProcessHarness.binary(), environment: environment)
    }

    @Test func badSettingsStopTheServiceWithAClearMessage() throws {
        let cases: [([String: String], String)] = [
            (["TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS": "20"], "TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS must be at least 70"),
            (
                ["TIKTOK_REQUEST_TIMEOUT_SECONDS": "5", "TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS": "30"],
                "TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS must be at least 32"
            ),
            (["TIKTOK_BUSINESS_REFRESH_MARGIN_SECONDS": "soon"], "TIKTOK_BUSINESS_REFRESH_MARGIN_SECONDS must be a number"),
            (["TIKTOK_REQUEST_TIMEOUT_SECONDS": "0"], "TIKTOK_REQUEST_TIMEOUT_SECONDS must be a number of seconds from 1"),
            (
                ["TIKTOK_BUSINESS_DATABASE_MAX_CONNECTIONS": "5"],
                "TIKTOK_BUSINESS_DATABASE_MAX_CONNECTIONS applies only to a PostgreSQL"
            ),
            (
                [
                    "TIKTOK_BUSINESS_DATABASE_URL": "postgres://u@127.0.0.1:1/db",
                    "TIKTOK_BUSINESS_DATABASE_WAIT_TIMEOUT_SECONDS": "-1",
                ],
                "TIKTOK_BUSINESS_DATABASE_WAIT_TIMEOUT_SECONDS must be a number of seconds"
            ),
            (["TIKTOK_BUSINESS_WEBHOOK_URL": "https://hooks.example/in"], "TIKTOK_BUSINESS_WEBHOOK_SECRET is required"),
            (
                ["TIKTOK_BUSINESS_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
                "TIKTOK_BUSINESS_WEBHOOK_URL is not"
            ),
            (
                [
                    "TIKTOK_BUSINESS_WEBHOOK_URL": "https://hooks.example/in",
                    "TIKTOK_BUSINESS_WEBHOOK_SECRET": "whsec_c2VjcmV0LXRvby1zaG9ydA==",
                ],
                "TIKTOK_BUSINESS_WEBHOOK_URL / _SECRET"
            ),
        ]
        for (environment, message) in cases {
            let (status, output) = try Self.cli(environment).run(["serve"])
            #expect(status != 0, "\(environment) was accepted")
            #expect(output.contains(message), "\(environment): \(output)")
            #expect(!output.contains("c2VjcmV0LXRvby1zaG9ydA"), "a secret is echoed: \(output)")
        }
    }

    @Test func newSecretMakesAUsableStandardWebhooksSecret() throws {
        let (status, output) = try Self.cli([:]).run(["webhooks", "new-secret"])
        #expect(status == 0)
        let text = output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(text.hasPrefix("whsec_"))
        let secret = try WebhookSecret(text)
        let body = Data("{}".utf8)
        let signature = secret.signature(id: "msg_1", timestamp: 1, body: body)
        #expect(secret.verify(header: signature, id: "msg_1", timestamp: 1, body: body))
        #expect(try Self.cli([:]).run(["webhooks", "new-secret"]).output != output, "each secret is new")
    }

    @Test func webhooksStatusCountsTheOutbox() throws {
        let cli = try Self.cli([:])
        let (status, output) = try cli.run(["webhooks", "status", "--json"])
        #expect(status == 0, "\(output)")
        #expect(output.contains(#""pending""#) && output.contains(#""delivered""#) && output.contains(#""failed""#))
    }
}
