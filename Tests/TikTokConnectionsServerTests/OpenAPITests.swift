import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TikTokBusiness
import TikTokConnections
import TikTokEmulator

@testable import TikTokConnectionsServer

/// Keeps `/openapi.json` in step with the routes: every documented operation exists, every `/v1` route is documented,
/// and real answers match the documented status codes, required properties and types.
@Suite("OpenAPI document")
struct OpenAPITests {
    static let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    @Test func servedWithoutAKeyAsOpenAPI31() async throws {
        try await ServerHarness.run { harness in
            try await harness.application.test(.router) { client in
                let response = try await client.api("/openapi.json", key: nil)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let document = response.json
                #expect(document["openapi"]?.stringValue?.hasPrefix("3.1.") == true)
                #expect(document["info"]?["title"]?.stringValue != nil)
                #expect(document["components"]?["securitySchemes"]?["bearer"]?["scheme"]?.stringValue == "bearer")
                #expect(document["security"]?.arrayValue?.first?["bearer"] != nil)
                #expect(document == (try JSONDecoder().decode(JSONValue.self, from: Data(OpenAPIDocument.json.utf8))))
                // The checker used below does find problems.
                let connection = try #require(document["components"]?["schemas"]?["Connection"])
                #expect(!Self.validate(["id": 5], against: connection, in: document, at: "$").isEmpty)
                // Every $ref resolves.
                for reference in Self.references(in: document) {
                    #expect(Self.resolve(reference, in: document) != nil, "\(reference)")
                }
            }
        }
    }

    /// The service serves `Resources/openapi.json` (embedded in the binary) byte for byte, less the final newline.
    @Test func servedByteForByteFromTheEmbeddedResource() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let file = root.appendingPathComponent("Sources/TikTokConnectionsServer/Resources/openapi.json")
        var text = try String(contentsOf: file, encoding: .utf8)
        if text.hasSuffix("\n") { text.removeLast() }
        let source = text
        #expect(OpenAPIDocument.json == source)
        try await ServerHarness.run { harness in
            try await harness.application.test(.router) { client in
                let response = try await client.api("/openapi.json", key: nil)
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == source)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.headers[.cacheControl] == "public, max-age=300")
                #expect(response.headers[HTTPField.Name("Access-Control-Allow-Origin")!] == "*")
            }
        }
    }

    @Test func documentedOperationsAreExactlyTheV1Routes() async throws {
        try await ServerHarness.run { harness in
            let document = try #require(
                try? JSONDecoder().decode(JSONValue.self, from: Data(OpenAPIDocument.json.utf8)))
            let paths = try #require(document["paths"]?.objectValue)
            var documented: Set<String> = []
            for (path, item) in paths {
                for method in Self.methods where item[method] != nil {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            let routed = Set(
                harness.server.makeRouter().routes
                    .filter { $0.path.description.hasPrefix("/v1/") }
                    .map {
                        "\($0.method.rawValue) \($0.path.description.replacingOccurrences(of: "**", with: "{path}"))"
                    })
            #expect(
                documented == routed,
                "documented only: \(documented.subtracting(routed)); routed only: \(routed.subtracting(documented))")
            #expect(!documented.isEmpty)
            let operations = documented.sorted()
            // A named key of each scope, to check that each operation enforces the scope its security names.
            var keysByScope: [(APIKey.Scope, String)] = []
            for scope in APIKey.Scope.allCases {
                keysByScope.append(
                    (
                        scope,
                        try await harness.manager.createAPIKey(name: "oas-\(scope)", scope: scope, actor: "test").secret
                    ))
            }
            let scopedKeys = keysByScope

            try await harness.application.test(.router) { client in
                for operation in operations {
                    let parts = operation.split(separator: " ", maxSplits: 1).map(String.init)
                    let uri = parts[1].replacingOccurrences(of: "{id}", with: "conn_x")
                        .replacingOccurrences(of: "{keyID}", with: "key_x")
                        .replacingOccurrences(of: "{tokenID}", with: "ptk_x")
                        .replacingOccurrences(of: "{path}", with: "campaign/get/")
                    let method = HTTPRequest.Method(parts[0])!
                    for key in [nil, "wrong-key-wrong-key"] {
                        let response = try await client.api(uri, method: method, key: key)
                        #expect(response.status == .unauthorized, "\(operation) → \(response.status)")
                        if method != .head {
                            #expect(response.json["error"]?["code"]?.stringValue == "unauthorized", "\(operation)")
                        }
                    }
                    let documentedStatuses = paths[parts[1]]?[parts[0].lowercased()]?["responses"]?.objectValue ?? [:]
                    #expect(documentedStatuses["401"] != nil, "\(operation) does not document 401")
                    #expect(documentedStatuses["400"] != nil, "\(operation) does not document 400")
                    #expect(documentedStatuses["403"] != nil, "\(operation) does not document 403")
                    let security = paths[parts[1]]?[parts[0].lowercased()]?["security"]?.arrayValue
                    let roles = security?.first?["bearer"]?.arrayValue?.compactMap(\.stringValue) ?? []
                    let needed = try #require(
                        security?.count == 1 && roles.count == 1 ? APIKey.Scope(rawValue: roles[0]) : nil,
                        "\(operation) does not name exactly one scope in its security: \(String(describing: security))")
                    for (scope, secret) in scopedKeys {
                        let response = try await client.api(uri, method: method, key: secret)
                        if scope.includes(needed) {
                            #expect(response.status != .forbidden, "\(operation) refuses a \(scope) key")
                        } else {
                            #expect(
                                response.status == .forbidden, "\(operation) with a \(scope) key → \(response.status)")
                            if method != .head {
                                #expect(
                                    response.json["error"]?["code"]?.stringValue == "insufficient_scope", "\(operation)"
                                )
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func realAnswersMatchTheDocumentedSchemas() async throws {
        try await ServerHarness.run { harness in
            let document = try #require(
                try? JSONDecoder().decode(JSONValue.self, from: Data(OpenAPIDocument.json.utf8)))
            try await harness.application.test(.router) { client in
                var ids: [String] = []
                for kind in ConnectionKind.allCases {
                    ids.append(try await harness.connect(kind, user: "oas-\(kind)").id)
                }
                let account = ids[1]
                let reader = try await harness.manager.createAPIKey(name: "oas-reader", scope: .read, actor: "test")
                let revocable = try await harness.manager.createAPIKey(
                    name: "oas-revocable", scope: .tokens, actor: "test")
                let issuer = try await harness.manager.createAPIKey(name: "oas-issuer", scope: .tokens, actor: "test")
                let proxyToken = try await harness.manager.createProxyToken(
                    connectionID: ids[0], expiresIn: 3600, allowedPaths: ["/advertiser/info/"], actor: "test"
                ).token
                let checks: [(String, HTTPRequest.Method, String?, String?, String)] = [
                    (
                        "/v1/connect-links", .post,
                        #"{"kind":"creator","end_user_id":"u1","force_consent":true,"expires_in":600}"#,
                        ServerHarness.apiKey, "/v1/connect-links"
                    ),
                    (
                        "/v1/connect-links", .post, #"{"kind":"advertiser","reconnect_connection_id":"\#(ids[0])"}"#,
                        ServerHarness.apiKey, "/v1/connect-links"
                    ),
                    ("/v1/connect-links", .post, #"{"kind":"robot"}"#, ServerHarness.apiKey, "/v1/connect-links"),
                    (
                        "/v1/connect-links", .post, #"{"kind":"advertiser","reconnect_connection_id":"conn_none"}"#,
                        ServerHarness.apiKey, "/v1/connect-links"
                    ),
                    ("/v1/connections", .get, nil, ServerHarness.apiKey, "/v1/connections"),
                    ("/v1/connections?limit=2", .get, nil, ServerHarness.apiKey, "/v1/connections"),
                    (
                        "/v1/connections?status=revoked&kind=creator&end_user_id=x", .get, nil, ServerHarness.apiKey,
                        "/v1/connections"
                    ),
                    ("/v1/connections?limit=0", .get, nil, ServerHarness.apiKey, "/v1/connections"),
                    ("/v1/connections", .get, nil, nil, "/v1/connections"),
                    (
                        "/v1/connections?q=CONN_&needs_attention=false", .get, nil, ServerHarness.apiKey,
                        "/v1/connections"
                    ),
                    ("/v1/connections?health=degraded", .get, nil, ServerHarness.apiKey, "/v1/connections"),
                    ("/v1/connections?health=ok", .get, nil, ServerHarness.apiKey, "/v1/connections"),
                    (
                        "/v1/connections?refresh_token_expires_before=2099-01-01T00:00:00Z", .get, nil,
                        ServerHarness.apiKey, "/v1/connections"
                    ),
                    (
                        "/v1/connections?refresh_token_expires_before=4070908800", .get, nil, ServerHarness.apiKey,
                        "/v1/connections"
                    ),
                    (
                        "/v1/connections?refresh_token_expires_before=soon", .get, nil, ServerHarness.apiKey,
                        "/v1/connections"
                    ),
                    ("/v1/connections?needs_attention=true", .get, nil, ServerHarness.apiKey, "/v1/connections"),
                    ("/v1/connections?needs_attention=maybe", .get, nil, ServerHarness.apiKey, "/v1/connections"),
                    ("/v1/connections", .get, nil, reader.secret, "/v1/connections"),
                    ("/v1/connections/\(ids[0])", .get, nil, ServerHarness.apiKey, "/v1/connections/{id}"),
                    ("/v1/connections/\(ids[2])", .get, nil, ServerHarness.apiKey, "/v1/connections/{id}"),
                    ("/v1/connections/\(account)", .get, nil, ServerHarness.apiKey, "/v1/connections/{id}"),
                    ("/v1/connections/conn_none", .get, nil, ServerHarness.apiKey, "/v1/connections/{id}"),
                    (
                        "/v1/connections/\(account)/access-token", .get, nil, ServerHarness.apiKey,
                        "/v1/connections/{id}/access-token"
                    ),
                    (
                        "/v1/connections/\(ids[0])/access-token", .get, nil, ServerHarness.apiKey,
                        "/v1/connections/{id}/access-token"
                    ),
                    (
                        "/v1/connections/\(account)/refresh", .post, nil, ServerHarness.apiKey,
                        "/v1/connections/{id}/refresh"
                    ),
                    (
                        "/v1/connections/\(ids[0])/refresh", .post, nil, ServerHarness.apiKey,
                        "/v1/connections/{id}/refresh"
                    ),
                    ("/v1/connections/\(ids[3])", .delete, nil, ServerHarness.apiKey, "/v1/connections/{id}"),
                    (
                        "/v1/connections/\(ids[3])/access-token", .get, nil, ServerHarness.apiKey,
                        "/v1/connections/{id}/access-token"
                    ),
                    ("/v1/events", .get, nil, ServerHarness.apiKey, "/v1/events"),
                    (
                        "/v1/events?after=2&limit=2&connection_id=\(account)", .get, nil, ServerHarness.apiKey,
                        "/v1/events"
                    ),
                    ("/v1/events?after=x", .get, nil, ServerHarness.apiKey, "/v1/events"),
                    (
                        "/v1/connections/\(account)/access-token", .get, nil, reader.secret,
                        "/v1/connections/{id}/access-token"
                    ),
                    ("/v1/connections/\(account)/refresh", .post, nil, reader.secret, "/v1/connections/{id}/refresh"),
                    ("/v1/overview", .get, nil, ServerHarness.apiKey, "/v1/overview"),
                    ("/v1/overview", .get, nil, reader.secret, "/v1/overview"),
                    ("/v1/audit", .get, nil, ServerHarness.apiKey, "/v1/audit"),
                    ("/v1/audit?limit=1", .get, nil, reader.secret, "/v1/audit"),
                    ("/v1/audit?before=1000000&connection_id=\(account)", .get, nil, ServerHarness.apiKey, "/v1/audit"),
                    ("/v1/audit?before=0", .get, nil, ServerHarness.apiKey, "/v1/audit"),
                    ("/v1/api-keys", .get, nil, ServerHarness.apiKey, "/v1/api-keys"),
                    ("/v1/api-keys", .get, nil, reader.secret, "/v1/api-keys"),
                    (
                        "/v1/api-keys", .post, #"{"name":"oas-created","scope":"tokens"}"#, ServerHarness.apiKey,
                        "/v1/api-keys"
                    ),
                    (
                        "/v1/api-keys", .post, #"{"name":"oas-bad","scope":"root"}"#, ServerHarness.apiKey,
                        "/v1/api-keys"
                    ),
                    ("/v1/api-keys", .post, #"{"scope":"read"}"#, ServerHarness.apiKey, "/v1/api-keys"),
                    ("/v1/api-keys", .post, #"{"name":"oas-denied","scope":"read"}"#, reader.secret, "/v1/api-keys"),
                    ("/v1/api-keys/\(revocable.key.id)", .delete, nil, ServerHarness.apiKey, "/v1/api-keys/{keyID}"),
                    ("/v1/api-keys/\(revocable.key.id)", .delete, nil, ServerHarness.apiKey, "/v1/api-keys/{keyID}"),
                    ("/v1/api-keys/key_none", .delete, nil, ServerHarness.apiKey, "/v1/api-keys/{keyID}"),
                    ("/v1/api-keys/none", .delete, nil, ServerHarness.apiKey, "/v1/api-keys/{keyID}"),
                    ("/v1/connections", .get, nil, revocable.secret, "/v1/connections"),
                    ("/v1/proxy/\(ids[0])/campaign/get/", .get, nil, reader.secret, "/v1/proxy/{id}/{path}"),
                    ("/v1/proxy/conn_none/campaign/get/", .get, nil, ServerHarness.apiKey, "/v1/proxy/{id}/{path}"),
                    (
                        "/v1/proxy/\(ids[0])/campaign/get/?advertiser_id=1", .get, nil, ServerHarness.apiKey,
                        "/v1/proxy/{id}/{path}"
                    ),
                    ("/v1/proxy/\(ids[0])/no/such/path/", .get, nil, ServerHarness.apiKey, "/v1/proxy/{id}/{path}"),
                    ("/v1/proxy/\(ids[0])/a%3Ab/", .post, "{}", ServerHarness.apiKey, "/v1/proxy/{id}/{path}"),
                    (
                        "/v1/connections/\(ids[0])/proxy-tokens", .post, nil, ServerHarness.apiKey,
                        "/v1/connections/{id}/proxy-tokens"
                    ),
                    (
                        "/v1/connections/\(account)/proxy-tokens", .post,
                        #"{"expires_in":600,"allowed_paths":["/advertiser/info/","/report/*"]}"#, ServerHarness.apiKey,
                        "/v1/connections/{id}/proxy-tokens"
                    ),
                    (
                        "/v1/connections/\(account)/proxy-tokens", .post, #"{"expires_in":null,"allowed_paths":null}"#,
                        issuer.secret, "/v1/connections/{id}/proxy-tokens"
                    ),
                    (
                        "/v1/connections/\(account)/proxy-tokens", .post, #"{"expires_in":10}"#, ServerHarness.apiKey,
                        "/v1/connections/{id}/proxy-tokens"
                    ),
                    (
                        "/v1/connections/\(account)/proxy-tokens", .post, #"{"allowed_paths":["/Report/.."]}"#,
                        ServerHarness.apiKey, "/v1/connections/{id}/proxy-tokens"
                    ),
                    (
                        "/v1/connections/\(account)/proxy-tokens", .post, #"{}"#, reader.secret,
                        "/v1/connections/{id}/proxy-tokens"
                    ),
                    (
                        "/v1/connections/conn_none/proxy-tokens", .post, nil, ServerHarness.apiKey,
                        "/v1/connections/{id}/proxy-tokens"
                    ),
                    (
                        "/v1/connections/\(ids[3])/proxy-tokens", .post, nil, ServerHarness.apiKey,
                        "/v1/connections/{id}/proxy-tokens"
                    ),
                    (
                        "/v1/connections/\(ids[0])/proxy-tokens", .get, nil, reader.secret,
                        "/v1/connections/{id}/proxy-tokens"
                    ),
                    (
                        "/v1/connections/\(account)/proxy-tokens", .get, nil, ServerHarness.apiKey,
                        "/v1/connections/{id}/proxy-tokens"
                    ),
                    (
                        "/v1/connections/conn_none/proxy-tokens", .get, nil, ServerHarness.apiKey,
                        "/v1/connections/{id}/proxy-tokens"
                    ),
                    ("/v1/proxy-tokens/\(proxyToken.id)", .delete, nil, reader.secret, "/v1/proxy-tokens/{tokenID}"),
                    (
                        "/v1/proxy-tokens/\(proxyToken.id)", .delete, nil, ServerHarness.apiKey,
                        "/v1/proxy-tokens/{tokenID}"
                    ),
                    (
                        "/v1/proxy-tokens/\(proxyToken.id)", .delete, nil, ServerHarness.apiKey,
                        "/v1/proxy-tokens/{tokenID}"
                    ),
                    (
                        "/v1/connections/\(ids[0])/proxy-tokens", .get, nil, ServerHarness.apiKey,
                        "/v1/connections/{id}/proxy-tokens"
                    ),
                    ("/v1/proxy-tokens/ptk_none", .delete, nil, ServerHarness.apiKey, "/v1/proxy-tokens/{tokenID}"),
                    ("/v1/proxy-tokens/none", .delete, nil, ServerHarness.apiKey, "/v1/proxy-tokens/{tokenID}"),
                ]
                for (uri, method, body, key, template) in checks {
                    let response = try await client.api(uri, method: method, body: body, key: key)
                    let label = "\(method) \(uri) → \(response.status.code)"
                    let responses = document["paths"]?[template]?[method.rawValue.lowercased()]?["responses"]
                    let documented = try #require(
                        responses?[String(response.status.code)].flatMap { Self.follow($0, in: document) },
                        "undocumented status: \(label)")
                    let schema = try #require(
                        documented["content"]?["application/json"]?["schema"], "no schema: \(label)")
                    let problems = Self.validate(response.json, against: schema, in: document, at: "$")
                    #expect(problems.isEmpty, "\(label): \(problems)")
                }
                // The statuses and details the document promises for the scopes, filters and API keys.
                let statuses: [(String, HTTPRequest.Method, String?, String?, HTTPResponse.Status)] = [
                    ("/v1/connections?health=ok", .get, nil, ServerHarness.apiKey, .badRequest),
                    ("/v1/connections?refresh_token_expires_before=soon", .get, nil, ServerHarness.apiKey, .badRequest),
                    ("/v1/connections?needs_attention=maybe", .get, nil, ServerHarness.apiKey, .badRequest),
                    ("/v1/audit?before=0", .get, nil, ServerHarness.apiKey, .badRequest),
                    ("/v1/connections/\(account)/access-token", .get, nil, reader.secret, .forbidden),
                    ("/v1/proxy/\(ids[0])/campaign/get/", .get, nil, reader.secret, .forbidden),
                    ("/v1/api-keys", .get, nil, reader.secret, .forbidden),
                    ("/v1/api-keys", .post, #"{"name":"oas-bad","scope":"root"}"#, ServerHarness.apiKey, .badRequest),
                    ("/v1/api-keys/key_none", .delete, nil, ServerHarness.apiKey, .notFound),
                    ("/v1/api-keys/none", .delete, nil, ServerHarness.apiKey, .badRequest),
                    ("/v1/connections", .get, nil, revocable.secret, .unauthorized),
                    ("/v1/overview", .get, nil, reader.secret, .ok),
                    (
                        "/v1/connections/\(account)/proxy-tokens", .post, #"{"expires_in":10}"#, ServerHarness.apiKey,
                        .badRequest
                    ),
                    (
                        "/v1/connections/\(account)/proxy-tokens", .post, #"{"expires_in":31622401}"#,
                        ServerHarness.apiKey, .badRequest
                    ),
                    (
                        "/v1/connections/\(account)/proxy-tokens", .post, #"{"allowed_paths":[]}"#,
                        ServerHarness.apiKey, .badRequest
                    ),
                    (
                        "/v1/connections/\(account)/proxy-tokens", .post, #"{"allowed_paths":["/report/*"]}"#,
                        reader.secret, .forbidden
                    ),
                    ("/v1/connections/conn_none/proxy-tokens", .post, nil, ServerHarness.apiKey, .notFound),
                    ("/v1/connections/\(ids[3])/proxy-tokens", .post, nil, ServerHarness.apiKey, .conflict),
                    ("/v1/connections/\(account)/proxy-tokens", .get, nil, reader.secret, .ok),
                    ("/v1/connections/conn_none/proxy-tokens", .get, nil, ServerHarness.apiKey, .notFound),
                    ("/v1/proxy-tokens/\(proxyToken.id)", .delete, nil, reader.secret, .forbidden),
                    ("/v1/proxy-tokens/ptk_none", .delete, nil, ServerHarness.apiKey, .notFound),
                    ("/v1/proxy-tokens/none", .delete, nil, ServerHarness.apiKey, .badRequest),
                ]
                for (uri, method, body, key, status) in statuses {
                    let response = try await client.api(uri, method: method, body: body, key: key)
                    #expect(response.status == status, "\(method) \(uri) → \(response.status)")
                    if status == .forbidden {
                        #expect(
                            response.json["error"]?["code"]?.stringValue == "insufficient_scope", "\(method) \(uri)")
                    }
                }
                let created = try await client.api(
                    "/v1/api-keys", method: .post, body: #"{"name":"oas-once","scope":"read"}"#,
                    key: ServerHarness.apiKey)
                #expect(created.status == .created)
                let secret = try #require(created.json["key"]?.stringValue)
                #expect(secret.hasPrefix("tbk_") && secret.count == 47)
                #expect(try await client.api("/v1/overview", key: secret).status == .ok)
                let listed = try await client.api("/v1/api-keys").json["api_keys"]?.arrayValue ?? []
                #expect(listed.contains { $0["id"] == created.json["id"] })
                #expect(!listed.contains { $0["key"] != nil })
                let found =
                    try await client.api("/v1/connections?q=\(ids[3].uppercased())").json["connections"]?.arrayValue
                    ?? []
                #expect(found.map { $0["id"]?.stringValue } == [ids[3]])
                #expect(try await client.api("/v1/audit").json["proxy_usage"]?.arrayValue != nil)
                #expect(try await client.api("/v1/audit?before=1000000").json["proxy_usage"] == nil)
                // A proxy token's secret is in the answer that issues it, and nowhere else; revoked ones stay listed.
                let issued = try await client.api(
                    "/v1/connections/\(account)/proxy-tokens", method: .post, body: #"{"allowed_paths":["/report/*"]}"#,
                    key: ServerHarness.apiKey)
                #expect(issued.status == .created)
                #expect(issued.headers[.cacheControl] == "no-store")
                let proxySecret = try #require(issued.json["token"]?.stringValue)
                #expect(proxySecret.hasPrefix("tbp_") && proxySecret.count == 47)
                #expect(issued.json["id"]?.stringValue?.hasPrefix("ptk_") == true)
                #expect(issued.json["connection_id"]?.stringValue == account)
                let proxyTokens =
                    try await client.api("/v1/connections/\(account)/proxy-tokens").json["proxy_tokens"]?.arrayValue
                    ?? []
                #expect(proxyTokens.contains { $0["id"] == issued.json["id"] })
                #expect(!proxyTokens.contains { $0["token"] != nil })
                let revokedList =
                    try await client.api("/v1/connections/\(ids[0])/proxy-tokens").json["proxy_tokens"]?.arrayValue
                    ?? []
                #expect(revokedList.first { $0["id"]?.stringValue == proxyToken.id }?["revoked_at"]?.stringValue != nil)
            }
        }
    }

    @Test func undocumentedMethodsGet405WithAllow() async throws {
        try await ServerHarness.run { harness in
            try await harness.application.test(.router) { client in
                let cases: [(String, HTTPRequest.Method, String)] = [
                    ("/v1/connections", .trace, "GET"), ("/v1/connections", .put, "GET"),
                    ("/v1/connect-links", .get, "POST"), ("/v1/events", .delete, "GET"),
                    ("/v1/connections/conn_x", .patch, "DELETE, GET"),
                    ("/v1/connections/conn_x/refresh", .get, "POST"),
                    ("/v1/proxy/conn_x/campaign/get/", .options, "DELETE, GET, HEAD, PATCH, POST, PUT"),
                ]
                for (uri, method, allow) in cases {
                    for key in [nil, ServerHarness.apiKey] {
                        let response = try await client.api(uri, method: method, key: key)
                        #expect(response.status == .methodNotAllowed, "\(method) \(uri) → \(response.status)")
                        #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                        #expect(response.json["error"]?["code"]?.stringValue == "method_not_allowed")
                    }
                }
                // Unknown paths stay 404; known routes are unaffected.
                #expect(try await client.api("/v1/nothing-here").status == .notFound)
                #expect(try await client.api("/v1/connections/conn_x/unknown").status == .notFound)
                #expect(try await client.api("/nothing-here", method: .trace).status == .notFound)
                #expect(try await client.api("/v1/connections").status == .ok)
            }
        }
    }

    // MARK: - A small JSON Schema checker: $ref, oneOf, anyOf, type (with null), required, properties, items, enum,
    // const.

    static func validate(_ value: JSONValue, against schema: JSONValue, in document: JSONValue, at path: String)
        -> [String]
    {
        guard let schema = follow(schema, in: document) else { return ["\(path): unresolvable schema"] }
        if let options = schema["oneOf"]?.arrayValue {
            let matching = options.filter { validate(value, against: $0, in: document, at: path).isEmpty }
            return matching.count == 1 ? [] : ["\(path): matches \(matching.count) of oneOf"]
        }
        if let options = schema["anyOf"]?.arrayValue {
            let matching = options.filter { validate(value, against: $0, in: document, at: path).isEmpty }
            return matching.isEmpty ? ["\(path): matches none of anyOf"] : []
        }
        var problems: [String] = []
        if let types = schema["type"].map({ $0.arrayValue?.compactMap(\.stringValue) ?? [$0.stringValue ?? ""] }) {
            guard types.contains(where: { matches(value, type: $0) }) else {
                return ["\(path): \(value.jsonText.prefix(60)) is not \(types)"]
            }
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) {
            problems.append("\(path): \(value.jsonText) not in enum")
        }
        if let constant = schema["const"], constant != value { problems.append("\(path): not \(constant.jsonText)") }
        if case .object(let object) = value {
            for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
                problems.append("\(path): missing \(name)")
            }
            for (name, property) in schema["properties"]?.objectValue ?? [:] {
                if let member = object[name] {
                    problems += validate(member, against: property, in: document, at: "\(path).\(name)")
                }
            }
            if let extra = schema["additionalProperties"], extra.objectValue != nil {
                let known = Set((schema["properties"]?.objectValue ?? [:]).keys)
                for (name, member) in object where !known.contains(name) {
                    problems += validate(member, against: extra, in: document, at: "\(path).\(name)")
                }
            }
        }
        if case .array(let items) = value, let itemSchema = schema["items"] {
            for (index, item) in items.enumerated() {
                problems += validate(item, against: itemSchema, in: document, at: "\(path)[\(index)]")
            }
        }
        return problems
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("number", .number): true
        case ("integer", .number(let text)): Int64(text) != nil
        default: false
        }
    }

    /// Follows `$ref`s (`#/a/b/c`) until a schema or object without one.
    static func follow(_ value: JSONValue, in document: JSONValue) -> JSONValue? {
        var current = value
        for _ in 0..<16 {
            guard let reference = current["$ref"]?.stringValue else { return current }
            guard let next = resolve(reference, in: document) else { return nil }
            current = next
        }
        return nil
    }

    static func resolve(_ reference: String, in document: JSONValue) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var current: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") { current = current?[String(part)] }
        return current
    }

    static func references(in value: JSONValue) -> [String] {
        switch value {
        case .object(let object):
            (object["$ref"]?.stringValue.map { [$0] } ?? []) + object.values.flatMap(references)
        case .array(let items): items.flatMap(references)
        default: []
        }
    }
}
