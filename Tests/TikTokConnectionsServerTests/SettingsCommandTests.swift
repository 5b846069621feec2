import Foundation
import Testing
import TikTokConnections
import TikTokTestSupport

/// The executable's settings: bad values stop it with a clear message naming the variable (never echoing a secret),
/// and `webhooks new-secret` makes a usable secret.
@Suite("Settings and the webhooks command")
struct SettingsCommandTests {
    static func cli(_ environment: [String: String]) throws -> CLI {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString)")
        var environment = environment
        environment["TIKTOK_BUSINESS_DATABASE_URL"] =
            environment["TIKTOK_BUSINESS_DATABASE_URL"]
            ?? "sqlite://\(directory.path)/connections.sqlite"
        environment["TIKTOK_BUSINESS_SANDBOX_PORT"] = "0"
        return CLI(binary: try ProcessHarness.binary(), environment: environment)
    }

    /// One bad setting through the real binary (the rest are checked in-process, in TikTokBusinessServiceTests).
    @Test func aBadSettingStopsTheBinaryWithAClearMessage() throws {
        let (status, output) = try Self.cli(["TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS": "20"]).run(["serve"])
        #expect(status != 0)
        #expect(output.contains("TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS must be at least 70"), "\(output)")
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
