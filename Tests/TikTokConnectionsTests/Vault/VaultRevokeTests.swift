import Foundation
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsSQLite
import TikTokEmulator
import TikTokTestSupport

/// A revocation erases tokens only when TikTok confirms it, or says the token is already dead: otherwise the grant may
/// live on at TikTok, and the vault keeps what it needs to revoke it later.
@Suite("Revocation erases tokens only on TikTok's word")
struct VaultRevokeTests {
    /// TikTok answers that do not confirm a revocation, for an advertiser and an account connection.
    static let unconfirmed: [(name: String, response: TikTokHTTPResponse, code: Int?)] = [
        ("HTML 403 from a gateway", OverridingTransport.html(status: 403), nil),
        (
            "40001 permission",
            OverridingTransport.envelope(code: 40001, message: "No permission", requestID: "req-40001"), 40001
        ),
        (
            "40002 parameter",
            OverridingTransport.envelope(code: 40002, message: "Bad parameter", requestID: "req-40002"), 40002
        ),
        (
            "unknown code", OverridingTransport.envelope(code: 41234, message: "Something new", requestID: "req-41234"),
            41234
        ),
    ]

    @Test func aRevocationTikTokDidNotConfirmKeepsTheConnectionAndItsTokens() async throws {
        try await VaultHarness.run { vault in
            for kind in [ConnectionKind.advertiser, .tiktokAccount] {
                let connection = try await vault.connect(kind, user: "keep-\(kind)").connection
                let before = try await vault.storedTokens(connection.id)
                let path = kind.usesAdvertiserFlow ? "/oauth2/revoke_token/" : "/tt_user/oauth2/revoke/"
                for (name, response, code) in Self.unconfirmed {
                    vault.transport.set(OverridingTransport.answer(path, with: response))
                    do {
                        _ = try await vault.manager.revoke(id: connection.id)
                        Issue.record("\(kind) \(name): the revocation succeeded")
                    } catch let error as ConnectionError {
                        #expect(error.code == .revokeFailed, "\(kind) \(name)")
                        #expect(error.connectionID == connection.id)
                        #expect(error.tikTokError?.code == code, "\(kind) \(name)")
                        if let code { #expect(error.tikTokError?.requestID == "req-\(code)") }
                        if code == nil { #expect(error.tikTokError?.httpStatus == 403) }
                    }
                    vault.transport.set(nil)
                    let kept = try await vault.manager.connection(id: connection.id)
                    #expect(kept.status == .active, "\(kind) \(name)")
                    let after = try await vault.storedTokens(connection.id)
                    #expect(after.access == before.access && after.refresh == before.refresh, "\(kind) \(name)")
                    #expect(try await vault.manager.accessToken(for: connection.id) == before.access)
                }
                // The grant is still alive at TikTok, and a later revocation goes through.
                #expect(vault.emulator.control.counters.revokes == (kind == .advertiser ? 0 : 1))
                let token = try #require(before.access)
                if kind == .advertiser {
                    _ = try await vault.manager.client.authorizedAdvertisers(accessToken: token)
                }
                #expect(try await vault.manager.revoke(id: connection.id).status == .revoked)
                #expect(try await vault.storedTokens(connection.id).access == nil)
                let types = try await vault.manager.events(connectionID: connection.id).map(\.type)
                #expect(types.filter { $0 == .connectionRevoked }.count == 1)
            }
        }
    }

    @Test func aTransientFailureKeepsTheConnectionAndSaysTikTokIsUnavailable() async throws {
        try await VaultHarness.run { vault in
            let connection = try await vault.connect(.advertiser, user: "transient").connection
            vault.transport.set(
                OverridingTransport.answer("/oauth2/revoke_token/", with: OverridingTransport.html(status: 504)))
            let error = await #expect(throws: ConnectionError.self) {
                try await vault.manager.revoke(id: connection.id)
            }
            #expect(error?.code == .tikTokUnavailable)
            #expect(try await vault.manager.connection(id: connection.id).status == .active)
            #expect(try await vault.storedTokens(connection.id).access != nil)
        }
    }

    @Test func aTokenTikTokSaysIsDeadIsMarkedRevoked() async throws {
        try await VaultHarness.run { vault in
            // The emulator itself: the grant was revoked elsewhere, so revoking answers 40105.
            let advertiser = try await vault.connect(.advertiser, user: "dead-advertiser").connection
            #expect(vault.emulator.control.revokeTokens(user: "dead-advertiser") >= 1)
            let revoked = try await vault.manager.revoke(id: advertiser.id)
            #expect(revoked.status == .revoked)
            #expect(try await vault.storedTokens(advertiser.id).access == nil)
            // A scripted 40105 and 40102 on the account endpoint.
            for code in [40105, 40102] {
                let account = try await vault.connect(.creator, user: "dead-\(code)").connection
                vault.transport.set(
                    OverridingTransport.answer(
                        "/tt_user/oauth2/revoke/",
                        with: OverridingTransport.envelope(code: code, message: "Access token invalid", requestID: "r"))
                )
                #expect(try await vault.manager.revoke(id: account.id).status == .revoked)
                vault.transport.set(nil)
                let stored = try await vault.storedTokens(account.id)
                #expect(stored.access == nil && stored.refresh == nil)
                await #expect(throws: ConnectionError.self) { try await vault.manager.accessToken(for: account.id) }
            }
        }
    }
}
