import Foundation
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokConnectionsSQLite
import TikTokEmulator
import TikTokTestSupport

/// A grant replaces an existing connection only through a reconnect link, or for the same end user with an
/// overlapping identity; in an agency several people authorize the same advertiser, each with their own grant.
@Suite("One end user's grant never overwrites another's")
struct VaultEndUserTests {
    /// Answers the advertiser code exchange with `token` for `advertisers`, as TikTok would.
    static func exchange(token: String, advertisers: [String]) -> OverridingTransport.Rule {
        let ids = advertisers.map { "\"\($0)\"" }.joined(separator: ",")
        return OverridingTransport.answer(
            "/oauth2/access_token/",
            with: OverridingTransport.envelope(
                code: 0, message: "OK", requestID: "x",
                data: #"{"access_token":"\#(token)","advertiser_ids":[\#(ids)],"scope":[4,5]}"#))
    }

    /// Completes an advertiser authorization whose exchange TikTok answers with `token` for `advertisers`.
    static func grant(
        _ vault: VaultHarness, token: String, advertisers: [String], options: AuthorizationLinkOptions = .init()
    ) async throws -> AuthorizationResult {
        let link = try await vault.manager.authorizationLink(for: .advertiser, options: options)
        vault.transport.set(exchange(token: token, advertisers: advertisers))
        defer { vault.transport.set(nil) }
        return try await vault.manager.completeAuthorization(
            kind: .advertiser,
            callback: .init(state: link.state, outcome: .authorized(code: "code-\(token)", scopes: [])))
    }

    @Test func twoEndUsersSharingAnAdvertiserGetTwoConnections() async throws {
        try await VaultHarness.run { vault in
            let first = try await Self.grant(
                vault, token: "token-1", advertisers: ["A", "B"], options: .init(endUserID: "u1"))
            let second = try await Self.grant(
                vault, token: "token-2", advertisers: ["B", "C"], options: .init(endUserID: "u2"))
            #expect(first.created && second.created)
            #expect(first.connection.id != second.connection.id)
            let all = try await vault.manager.connections()
            #expect(all.count == 2)
            let one = try await vault.manager.connection(id: first.connection.id)
            let two = try await vault.manager.connection(id: second.connection.id)
            #expect(one.endUserID == "u1" && one.advertiserIDs == ["A", "B"])
            #expect(two.endUserID == "u2" && two.advertiserIDs == ["B", "C"])
            #expect(try await vault.manager.accessToken(for: one.id) == "token-1")
            #expect(try await vault.manager.accessToken(for: two.id) == "token-2")
            #expect(try await vault.manager.connections(.init(endUserID: "u1")).map(\.id) == [one.id])

            // A third person with no end user is a third connection; so is the same advertiser granted anonymously.
            let anonymous = try await Self.grant(vault, token: "token-3", advertisers: ["A"])
            #expect(anonymous.created)
            #expect(try await vault.manager.connections().count == 3)
            #expect(try await vault.manager.accessToken(for: one.id) == "token-1")
        }
    }

    @Test func theSameEndUserReauthorizingOverlappingAdvertisersUpdatesInPlace() async throws {
        try await VaultHarness.run { vault in
            let first = try await Self.grant(
                vault, token: "token-1", advertisers: ["A", "B"], options: .init(endUserID: "u1"))
            let other = try await Self.grant(
                vault, token: "token-9", advertisers: ["B"], options: .init(endUserID: "u2"))
            let again = try await Self.grant(
                vault, token: "token-2", advertisers: ["B", "C"], options: .init(endUserID: "u1"))
            #expect(!again.created)
            #expect(again.connection.id == first.connection.id)
            #expect(again.connection.advertiserIDs == ["B", "C"])
            #expect(try await vault.manager.accessToken(for: first.connection.id) == "token-2")
            #expect(try await vault.manager.accessToken(for: other.connection.id) == "token-9")
            #expect(try await vault.manager.connection(id: other.connection.id).endUserID == "u2")
            #expect(try await vault.manager.connections().count == 2)
            let events = try await vault.manager.events(connectionID: first.connection.id).map(\.type)
            #expect(events == [.connectionCreated, .connectionReauthorized])

            // No end user matches only no end user.
            let anonymous = try await Self.grant(vault, token: "token-3", advertisers: ["C"])
            let anonymousAgain = try await Self.grant(vault, token: "token-4", advertisers: ["C", "D"])
            #expect(anonymous.created && !anonymousAgain.created)
            #expect(anonymousAgain.connection.id == anonymous.connection.id)
            #expect(anonymousAgain.connection.endUserID == nil)
            #expect(try await vault.manager.connections().count == 3)
        }
    }

    @Test func oneOpenIDForTwoEndUsersIsTwoConnections() async throws {
        try await VaultHarness.run { vault in
            let openID = vault.emulator.control.user(named: "shared-creator").openID
            for kind in [ConnectionKind.tiktokAccount, .creator] {
                let one = try await vault.connect(kind, user: "shared-creator", options: .init(endUserID: "u1"))
                let two = try await vault.connect(kind, user: "shared-creator", options: .init(endUserID: "u2"))
                #expect(one.created && two.created, "\(kind)")
                #expect(one.connection.id != two.connection.id)
                #expect(one.connection.openID == openID && two.connection.openID == openID)
                let tokenOne = try await vault.manager.accessToken(for: one.connection.id)
                let tokenTwo = try await vault.manager.accessToken(for: two.connection.id)
                #expect(tokenOne != tokenTwo)
                for token in [tokenOne, tokenTwo] {
                    _ = try await vault.manager.client.businessAccount(businessID: openID, accessToken: token)
                }
                // u1 again: in place.
                let again = try await vault.connect(kind, user: "shared-creator", options: .init(endUserID: "u1"))
                #expect(!again.created)
                #expect(again.connection.id == one.connection.id)
                #expect(try await vault.manager.accessToken(for: two.connection.id) == tokenTwo)
            }
            #expect(try await vault.manager.connections().count == 4)
        }
    }

    @Test func aReconnectLinkUpdatesItsConnectionInPlace() async throws {
        try await VaultHarness.run { vault in
            let first = try await Self.grant(
                vault, token: "token-1", advertisers: ["A", "B"], options: .init(endUserID: "u1"))
            let second = try await Self.grant(
                vault, token: "token-2", advertisers: ["B", "C"], options: .init(endUserID: "u2"))
            // A reconnect link for u2's connection, issued without an end user, granted for other advertisers.
            let reconnected = try await Self.grant(
                vault, token: "token-3", advertisers: ["B", "D"],
                options: .init(reconnectConnectionID: second.connection.id))
            #expect(!reconnected.created)
            #expect(reconnected.connection.id == second.connection.id)
            #expect(reconnected.connection.endUserID == "u2")
            #expect(reconnected.connection.advertiserIDs == ["B", "D"])
            #expect(try await vault.manager.accessToken(for: second.connection.id) == "token-3")
            #expect(try await vault.manager.accessToken(for: first.connection.id) == "token-1")
            #expect(try await vault.manager.connections().count == 2)
        }
    }
}
