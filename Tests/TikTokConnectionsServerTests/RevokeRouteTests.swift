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

/// `DELETE /v1/connections/{id}` when TikTok does not confirm the revocation: 502 with TikTok's answer, nothing erased.
@Suite("Service routes: revocation TikTok did not confirm")
struct RevokeRouteTests {
    static let document = try! JSONDecoder().decode(JSONValue.self, from: Data(OpenAPIDocument.json.utf8))

    /// Checks `response` against the OpenAPI document's schema for `DELETE /v1/connections/{id}`.
    static func documentedDelete(_ response: TestResponse) -> [String] {
        let documented = document["paths"]?["/v1/connections/{id}"]?["delete"]?["responses"]?[
            String(response.status.code)]
        guard let documented = documented.flatMap({ OpenAPITests.follow($0, in: document) }),
            let schema = documented["content"]?["application/json"]?["schema"]
        else { return ["undocumented status \(response.status.code)"] }
        return OpenAPITests.validate(response.json, against: schema, in: document, at: "$")
    }

    @Test func deleteAnswers502AndKeepsTheConnectionWhenTikTokDoesNotConfirm() async throws {
        try await ServerHarness.run { harness in
            try await harness.application.test(.router) { client in
                let advertiser = try await harness.connect(.advertiser, user: "delete-kept")
                let token = try await harness.manager.accessToken(for: advertiser.id)
                let answers: [(TikTokHTTPResponse, Int?, String?)] = [
                    (OverridingTransport.html(status: 403), nil, nil),
                    (
                        OverridingTransport.envelope(code: 40001, message: "No permission", requestID: "req-1"), 40001,
                        "req-1"
                    ),
                    (
                        OverridingTransport.envelope(code: 40002, message: "Bad parameter", requestID: "req-2"), 40002,
                        "req-2"
                    ),
                    (
                        OverridingTransport.envelope(code: 47777, message: "New code", requestID: "req-3"), 47777,
                        "req-3"
                    ),
                ]
                for (answer, code, requestID) in answers {
                    harness.transport.set(OverridingTransport.answer("/oauth2/revoke_token/", with: answer))
                    let response = try await client.api("/v1/connections/\(advertiser.id)", method: .delete)
                    harness.transport.set(nil)
                    let label = "\(code.map(String.init) ?? "HTML 403")"
                    #expect(response.status == .badGateway, "\(label)")
                    let error = response.json["error"]
                    #expect(error?["code"]?.stringValue == "revoke_failed", "\(label)")
                    #expect(error?["tiktok_code"]?.intValue == code, "\(label)")
                    #expect(error?["tiktok_request_id"]?.stringValue == requestID, "\(label)")
                    if code == nil { #expect(error?["tiktok_http_status"]?.intValue == 403) }
                    #expect(error?["message"]?.stringValue?.contains("kept") == true)
                    #expect(Self.documentedDelete(response).isEmpty, "\(label): \(Self.documentedDelete(response))")

                    let shown = try await client.api("/v1/connections/\(advertiser.id)")
                    #expect(shown.json["status"]?.stringValue == "active", "\(label)")
                    let access = try await client.api("/v1/connections/\(advertiser.id)/access-token")
                    #expect(access.status == .ok)
                    #expect(access.json["access_token"]?.stringValue == token, "\(label)")
                }
                // TikTok's word that the token is dead: revoked.
                harness.transport.set(
                    OverridingTransport.answer(
                        "/oauth2/revoke_token/",
                        with: OverridingTransport.envelope(code: 40105, message: "Token revoked", requestID: "req-5")))
                let revoked = try await client.api("/v1/connections/\(advertiser.id)", method: .delete)
                harness.transport.set(nil)
                #expect(revoked.status == .ok)
                #expect(revoked.json["status"]?.stringValue == "revoked")
                #expect(Self.documentedDelete(revoked).isEmpty)
                let gone = try await client.api("/v1/connections/\(advertiser.id)/access-token")
                #expect(gone.status == .conflict)
            }
        }
    }
}
