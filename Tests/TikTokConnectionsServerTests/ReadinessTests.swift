import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokEmulator
import TikTokTestSupport

@testable import TikTokConnectionsServer

/// `/readyz` answers 503 while TikTok rejects the instance's app credentials.
@Suite("Service routes: readiness and configuration faults")
struct ReadinessTests {
    @Test func readinessFailsWhileTikTokRejectsTheAppCredentials() async throws {
        try await ServerHarness.run { harness in
            try await harness.application.test(.router) { client in
                let advertiser = try await harness.connect(.advertiser, user: "ready-check")
                #expect(try await client.api("/readyz", key: nil).status == .ok)

                harness.transport.set(OverridingTransport.wrongSecret(TikTokEmulatorConfiguration.App.default.secret))
                await #expect(throws: ConnectionError.self) {
                    try await harness.manager.checkLiveness(id: advertiser.id)
                }
                let fault = try #require(harness.manager.configurationFault)
                let ready = try await client.api("/readyz", key: nil)
                #expect(ready.status == .serviceUnavailable)
                #expect(ready.json["status"]?.stringValue == "unavailable")
                let error = ready.json["error"]
                #expect(error?["code"]?.stringValue == "tiktok_app_credentials_rejected")
                #expect(error?["tiktok_code"]?.intValue == 40101)
                #expect(error?["tiktok_request_id"]?.stringValue == fault.requestID)
                #expect(error?["tiktok_message"]?.stringValue == fault.message)
                #expect(error?["message"]?.stringValue?.contains("TIKTOK_APP_SECRET") == true)
                #expect(!ready.text.contains(TikTokEmulatorConfiguration.App.default.secret))
                #expect(try await client.api("/healthz", key: nil).status == .ok)
                #expect(try await harness.manager.connection(id: advertiser.id).status == .active)
                // The admin page says so to a signed-in operator.
                let jar = try await client.signIn()
                let home = try await client.page("/", cookies: jar)
                #expect(home.text.contains(#"id="configuration-fault""#))
                #expect(home.text.contains("TIKTOK_APP_SECRET"))
                #expect(home.text.contains(fault.requestID ?? "?"))
                #expect(!(try await client.page("/")).text.contains(#"id="configuration-fault""#))

                harness.transport.set(nil)
                _ = try await harness.manager.checkLiveness(id: advertiser.id)
                #expect(harness.manager.configurationFault == nil)
                let again = try await client.api("/readyz", key: nil)
                #expect(again.status == .ok)
                #expect(again.json["status"]?.stringValue == "ready")
                #expect(!(try await client.page("/", cookies: jar)).text.contains(#"id="configuration-fault""#))
            }
        }
    }
}
