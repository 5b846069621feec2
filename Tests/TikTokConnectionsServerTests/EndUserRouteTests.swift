import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokEmulator

@testable import TikTokConnectionsServer

/// End users come only from links the service issued, and each end user's grant is its own connection.
@Suite("Service routes: end users")
struct EndUserRouteTests {
    @Test func connectRefusesAnEndUserInTheQueryString() async throws {
        try await ServerHarness.run { harness in
            try await harness.application.test(.router) { client in
                for uri in [
                    "/connect/advertiser?end_user_id=u9", "/connect/creator?end_user_id=",
                    "/connect/tiktok_account?x=1&end_user_id=victim",
                ] {
                    let response = try await client.execute(uri: uri, method: .get)
                    #expect(response.status == .badRequest, "\(uri)")
                    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                    #expect(response.headers[.setCookie] == nil)
                    #expect(response.json["error"]?["code"]?.stringValue == "end_user_id_not_accepted")
                    let message = response.json["error"]?["message"]?.stringValue ?? ""
                    #expect(message.contains("POST /v1/connect-links") && message.contains("admin page"), "\(message)")
                }
                #expect(try await client.execute(uri: "/connect/advertiser", method: .get).status == .found)
                #expect(try await harness.manager.connections().isEmpty)
            }
        }
    }

    @Test func twoEndUsersOfOneAdvertiserShowAsTwoConnections() async throws {
        try await ServerHarness.run { harness in
            let one = try await harness.connect(.advertiser, user: "agency-client", endUser: "planner-1")
            let two = try await harness.connect(.advertiser, user: "agency-client", endUser: "planner-2")
            #expect(one.id != two.id)
            #expect(one.advertiserIDs == two.advertiserIDs)
            try await harness.application.test(.router) { client in
                let list = try await client.api("/v1/connections")
                let listed = list.json["connections"]?.arrayValue ?? []
                #expect(Set(listed.compactMap { $0["id"]?.stringValue }) == [one.id, two.id])
                #expect(Set(listed.compactMap { $0["end_user_id"]?.stringValue }) == ["planner-1", "planner-2"])
                let jar = try await client.signIn()
                let rows = try await client.page("/", cookies: jar).rows
                #expect(Set(rows.keys) == [one.id, two.id])
                #expect(rows[one.id]?.contains("planner-1") == true)
                #expect(rows[two.id]?.contains("planner-2") == true)
            }
        }
    }
}
