import Foundation
import HTTPTypes
import Hummingbird
import TikTokBusiness
import TikTokConnections

/// The `/v1` routes for running many connections: the overview, the audit trail and named API keys.
struct OperationsRoutes<Context: CallerRequestContext>: Sendable {
    let manager: ConnectionManager
    let configuration: ServerConfiguration
    let keys: APIKeyCache

    func register(on group: RouterGroup<Context>) {
        group.get("overview", use: overview)
        group.get("audit", use: audit)
        group.get("api-keys", use: listKeys)
        group.post("api-keys", use: createKey)
        group.delete("api-keys/:keyID", use: revokeKey)
    }

    /// Counts by kind and status, and how many connections need a person.
    @Sendable func overview(_ request: Request, context: Context) async throws -> Response {
        try context.require(.read)
        let overview = try await APIError.vault { try await manager.overview() }
        return JSONResponse.make([
            "total": .number(String(overview.total)),
            "counts": .array(
                overview.counts.map {
                    .object([
                        "kind": .string($0.kind.rawValue), "status": .string($0.status.rawValue),
                        "count": .number(String($0.count)),
                    ])
                }),
            "reauthorization_required": .number(String(overview.reauthorizationRequired)),
            "degraded": .number(String(overview.degraded)),
            "refresh_tokens_lapsing": .number(String(overview.lapsingSoon)),
            "at": .string(ConnectionJSON.timestamp(overview.at)),
        ])
    }

    /// The audit trail, newest first (`before`: a sequence, the previous page's `next_cursor`), and on the first
    /// page the proxy use of the last 30 days.
    @Sendable func audit(_ request: Request, context: Context) async throws -> Response {
        try context.require(.read)
        let query = request.uri.queryParameters
        var before: Int64?
        if let text = query["before"] {
            guard let value = Int64(text), value > 0 else {
                throw APIError.badRequest("before must be a positive integer (an audit sequence).")
            }
            before = value
        }
        let connectionID = query["connection_id"].map(String.init)
        if let connectionID { try RequestInput.validateID(connectionID) }
        let limit = try RequestInput.limit(query["limit"].map(String.init), default: 100, maximum: 1000)
        let entries = try await APIError.vault {
            try await manager.auditEntries(before: before, connectionID: connectionID, limit: limit + 1)
        }
        let page = Array(entries.prefix(limit))
        var body: [String: JSONValue] = [
            "entries": .array(page.map(ConnectionJSON.audit)),
            "next_cursor": entries.count > limit ? .number(String(page.last!.sequence)) : .null,
        ]
        if before == nil {
            let usage = try await APIError.vault { try await manager.proxyUsage(connectionID: connectionID) }
            body["proxy_usage"] = .array(usage.map(ConnectionJSON.usage))
        }
        return JSONResponse.make(.object(body))
    }

    @Sendable func listKeys(_ request: Request, context: Context) async throws -> Response {
        try context.require(.admin)
        let keys = try await APIError.vault { try await manager.apiKeys() }
        return JSONResponse.make(["api_keys": .array(keys.map(ConnectionJSON.apiKey))])
    }

    /// Creates a named key: `{"name", "scope"}`; the answer carries the key once.
    @Sendable func createKey(_ request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.admin)
        let body = try await RequestInput.jsonObject(request, context: context, limit: configuration.jsonBodyLimit)
        guard let name = try RequestInput.optionalString(body, "name", maxLength: 100) else {
            throw APIError.badRequest("name is required: a non-empty string of at most 100 characters.")
        }
        guard let text = body["scope"]?.stringValue, let scope = APIKey.Scope(rawValue: text) else {
            throw APIError.badRequest(
                "scope must be one of \(APIKey.Scope.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let (key, secret) = try await APIError.vault {
            try await manager.createAPIKey(
                name: name, scope: scope, actor: caller.actor, requestID: context.requestID(request))
        }
        guard case .object(var object) = ConnectionJSON.apiKey(key) else { preconditionFailure() }
        object["key"] = .string(secret)
        return JSONResponse.make(.object(object), status: .created)
    }

    @Sendable func revokeKey(_ request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.admin)
        guard let id = context.parameters.get("keyID"), id.hasPrefix("key_"), id.count <= 40,
            id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else {
            throw APIError.badRequest("Not an API key id.", code: "invalid_id")
        }
        let key = try await APIError.vault {
            try await manager.revokeAPIKey(id: id, actor: caller.actor, requestID: context.requestID(request))
        }
        keys.invalidate()
        return JSONResponse.make(ConnectionJSON.apiKey(key))
    }

}
