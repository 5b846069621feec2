import Foundation
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsSQLite
import TikTokEmulator
import TikTokTestSupport

/// TikTok rejecting the app's own credentials (40101) is a fault of the instance's configuration, not a dead
/// connection: reported by ``ConnectionManager/configurationFault``, no connection marked.
@Suite("TikTok rejecting the app credentials is a configuration fault")
struct VaultConfigurationFaultTests {
    static let secret = TikTokEmulatorConfiguration.App.default.secret

    @Test func aLivenessCheckAnswered40101IsAConfigurationFaultNotADeadConnection() async throws {
        try await VaultHarness.run { vault in
            let connection = try await vault.connect(.advertiser, user: "fault-check").connection
            let token = try await vault.manager.accessToken(for: connection.id)
            #expect(vault.manager.configurationFault == nil)

            vault.transport.set(OverridingTransport.wrongSecret(Self.secret))
            var firstRequestID: String?
            for _ in 0..<3 {
                let error = await #expect(throws: ConnectionError.self) {
                    try await vault.manager.checkLiveness(id: connection.id)
                }
                #expect(error?.code == .tikTokUnavailable)
                #expect(error?.tikTokError?.code == 40101)
                if firstRequestID == nil { firstRequestID = vault.manager.configurationFault?.requestID }
            }
            let fault = try #require(vault.manager.configurationFault)
            #expect(fault.code == "tiktok_app_credentials_rejected")
            #expect(fault.tikTokCode == 40101)
            #expect(fault.requestID?.isEmpty == false)
            #expect(fault.endpoint == "/oauth2/advertiser/get/")
            #expect(fault.occurrences == 3)
            #expect(fault.firstSeenAt <= fault.lastSeenAt)

            // The connection is untouched: active, same token, and its backoff did not grow.
            let record = try #require(try await vault.store.record(id: connection.id))
            #expect(record.connection.status == .active)
            #expect(record.failureCount == 0)
            #expect(try await vault.manager.accessToken(for: connection.id) == token)
            let events = try await vault.manager.events(connectionID: connection.id).map(\.type)
            #expect(!events.contains(.reauthorizationRequired))

            // Logged loudly once, with TikTok's code and request id, never the secret or the token.
            let lines = vault.logs.text.split(separator: "\n").filter {
                $0.contains("TikTok rejected the app id or secret")
            }
            #expect(lines.count == 1)
            #expect(lines.first?.hasPrefix("error ") == true)
            #expect(lines.first?.contains("40101") == true)
            #expect(lines.first?.contains(try #require(firstRequestID)) == true)
            #expect(fault.requestID != firstRequestID)
            #expect(!vault.logs.text.contains(Self.secret))
            #expect(!vault.logs.text.contains(token))

            // The next success clears it.
            vault.transport.set(nil)
            _ = try await vault.manager.checkLiveness(id: connection.id)
            #expect(vault.manager.configurationFault == nil)
        }
    }

    @Test func anExchangeOrARevocationAnswered40101SetsTheFaultAndASuccessClearsIt() async throws {
        try await VaultHarness.run { vault in
            vault.transport.set(OverridingTransport.wrongSecret(Self.secret))
            let error = await #expect(throws: ConnectionError.self) {
                _ = try await vault.connect(.tiktokAccount, user: "fault-exchange")
            }
            #expect(error?.tikTokError?.code == 40101)
            #expect(vault.manager.configurationFault?.endpoint == "/tt_user/oauth2/token/")
            #expect(try await vault.manager.connections().isEmpty)

            vault.transport.set(nil)
            let connection = try await vault.connect(.advertiser, user: "fault-exchange").connection
            #expect(vault.manager.configurationFault == nil)

            vault.transport.set(OverridingTransport.wrongSecret(Self.secret))
            let refused = await #expect(throws: ConnectionError.self) {
                try await vault.manager.revoke(id: connection.id)
            }
            #expect(refused?.code == .revokeFailed)
            #expect(vault.manager.configurationFault?.endpoint == "/oauth2/revoke_token/")
            #expect(try await vault.manager.connection(id: connection.id).status == .active)

            vault.transport.set(nil)
            #expect(try await vault.manager.revoke(id: connection.id).status == .revoked)
            #expect(vault.manager.configurationFault == nil)
        }
    }
}
