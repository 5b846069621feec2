import HTTPTypes
import HummingbirdTesting
import Testing

@testable import TikTokEmulator

@Suite("Refresh-token grace period")
struct RefreshGraceTests {
    @Test("strict by default: a rotated-out refresh token fails at once")
    func strictByDefault() async throws {
        try await withEmulator(.init(rotateRefreshTokens: true)) { emulator, client in
            #expect(emulator.control.settings.refreshTokenGracePeriod == 0)
            let tokens = try await client.accountTokens(emulator, user: "ida")
            let first = try #require(try tokens["refresh_token"].stringValue)
            #expect(try await client.refresh(first).code == 0)
            #expect(try await client.refresh(first).code == 40110)
            #expect(emulator.control.counters.refreshGraceUses == 0)
            #expect(emulator.control.counters.refreshFailures == 1)
        }
    }

    @Test("within the grace, the previous token answers with the current refresh token and is counted")
    func previousTokenWithinGrace() async throws {
        try await withEmulator(.init(rotateRefreshTokens: true, refreshTokenGracePeriod: 60)) { emulator, client in
            let control = emulator.control
            let tokens = try await client.accountTokens(emulator, user: "jon")
            let first = try #require(try tokens["refresh_token"].stringValue)
            let openID = control.user(named: "jon").openID

            // The answer to this refresh is "lost" (say the client crashed before storing it).
            let lost = try await client.refresh(first)
            let second = try #require(try lost["refresh_token"].stringValue)
            #expect(second != first)

            // Retrying with the previous token within the grace: a new access token, the current refresh token.
            let retried = try await client.refresh(first)
            #expect(retried.code == 0)
            #expect(try retried["refresh_token"].stringValue == second)
            #expect(try retried["access_token"].stringValue != lost["access_token"].stringValue)
            let accessToken = try #require(try retried["access_token"].stringValue)
            let info = try await client.apiPost(
                "/tt_user/token_info/get/", ["app_id": .string(Fixture.appID), "access_token": .string(accessToken)])
            #expect(info.code == 0)
            #expect(control.counters.refreshGraceUses == 1)
            #expect(control.counters.refreshes == 2)
            #expect(control.counters.refreshesByOpenID[openID] == 2)

            // The current token still rotates normally, which retires the first one for good.
            let next = try await client.refresh(second)
            let third = try #require(try next["refresh_token"].stringValue)
            #expect(third != second)
            #expect(try await client.refresh(first).code == 40110)
            // The one it replaced is the new previous token, accepted within the grace.
            #expect(try await client.refresh(second)["refresh_token"].stringValue == third)
            let counters = try await client.control(.get, "/counters").json
            #expect(counters["refresh_grace_uses"] == 2)
            #expect(counters["refresh_failures"] == 1)
        }
    }

    @Test("the previous token stops working when the grace period ends")
    func graceEnds() async throws {
        try await withEmulator(.init(rotateRefreshTokens: true, refreshTokenGracePeriod: 30)) { emulator, client in
            let tokens = try await client.accountTokens(emulator, user: "kim")
            let first = try #require(try tokens["refresh_token"].stringValue)
            let second = try #require(try await client.refresh(first)["refresh_token"].stringValue)
            try emulator.control.advanceClock(bySeconds: 31)
            #expect(try await client.refresh(first).code == 40110)
            #expect(try await client.refresh(first).code == 40110)
            #expect(try await client.refresh(second).code == 0)
            #expect(emulator.control.counters.refreshGraceUses == 0)
        }
    }

    @Test("revoking the grant ends the previous token too")
    func revokeEndsPreviousToken() async throws {
        try await withEmulator(.init(rotateRefreshTokens: true, refreshTokenGracePeriod: 60)) { emulator, client in
            let tokens = try await client.accountTokens(emulator, user: "lou")
            let first = try #require(try tokens["refresh_token"].stringValue)
            #expect(try await client.refresh(first).code == 0)
            #expect(emulator.control.revokeTokens(user: "lou") == 1)
            #expect(try await client.refresh(first).code == 40110)
        }
    }

    @Test("the grace is set through the control API and rejects negative values")
    func controlConfig() async throws {
        try await withEmulator(.init(rotateRefreshTokens: true)) { emulator, client in
            let updated = try await client.control(.post, "/config", ["refresh_token_grace": 45])
            #expect(updated.status == .ok)
            #expect(updated.json["refresh_token_grace"] == 45)
            #expect(emulator.control.settings.refreshTokenGracePeriod == 45)
            let tokens = try await client.accountTokens(emulator, user: "max")
            let first = try #require(try tokens["refresh_token"].stringValue)
            #expect(try await client.refresh(first).code == 0)
            #expect(try await client.refresh(first).code == 0)

            let rejected = try await client.control(.post, "/config", ["refresh_token_grace": -1])
            #expect(rejected.status == .badRequest)
            #expect(emulator.control.settings.refreshTokenGracePeriod == 45)

            // Back to strict: the setting in force when a token is used counts, so the retired token fails at once.
            _ = try await client.control(.post, "/config", ["refresh_token_grace": 0])
            #expect(try await client.refresh(first).code == 40110)
            #expect(emulator.control.counters.refreshGraceUses == 1)
            #expect(try await client.control(.get, "/config").json["refresh_token_grace"] == 0)
        }
    }
}
