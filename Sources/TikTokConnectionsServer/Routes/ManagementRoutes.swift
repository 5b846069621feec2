import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TikTokBusiness
import TikTokConnections

/// The `/v1` management API: connect links, connections, access tokens, refresh, revoke, events. Each route needs a
/// scope (``APIKey/Scope``): reads need `read`, the token needs `tokens`, changes need `admin`. Token reads, links,
/// refreshes and revocations are recorded in the audit trail with the caller.
struct ManagementRoutes<Context: CallerRequestContext>: Sendable {
    let manager: ConnectionManager
    let configuration: ServerConfiguration
    let keys: APIKeyCache

    func register(on group: RouterGroup<Context>) {
        group.post("connect-links", use: createLink)
        group.get("connections", use: list)
        group.get("connections/:id", use: show)
        group.get("connections/:id/access-token", use: accessToken)
        group.post("connections/:id/refresh", use: refresh)
        group.delete("connections/:id", use: revoke)
        group.get("events", use: events)
    }

    @Sendable func createLink(_ request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.admin)
        let body = try await RequestInput.jsonObject(request, context: context, limit: configuration.jsonBodyLimit)
        let kind = try RequestInput.kind(body["kind"]?.stringValue)
        let expiresIn: TimeInterval?
        if let value = body["expires_in"], value != .null {
            guard let seconds = value.doubleValue, seconds >= 60, seconds <= 90 * 86_400 else {
                throw APIError.badRequest("expires_in must be a number of seconds from 60 to 7776000.")
            }
            expiresIn = seconds
        } else {
            expiresIn = nil
        }
        let reconnect = try RequestInput.optionalString(body, "reconnect_connection_id")
        if let reconnect { try RequestInput.validateID(reconnect) }
        let options = AuthorizationLinkOptions(
            endUserID: try RequestInput.optionalString(body, "end_user_id", maxLength: 256),
            reconnectConnectionID: reconnect,
            forceConsent: try RequestInput.optionalBool(body, "force_consent") ?? false,
            expiresIn: expiresIn)
        let link = try await APIError.vault { try await manager.authorizationLink(for: kind, options: options) }
        var data = ["kind": kind.rawValue]
        if let endUser = options.endUserID { data["end_user_id"] = endUser }
        await manager.audit(
            AuditEntry(
                occurredAt: manager.now(), action: .linkCreated, connectionID: reconnect, actor: caller.actor,
                requestID: context.requestID(request), data: data))
        return JSONResponse.make(
            ["url": .string(link.url), "expires_at": ConnectionJSON.date(link.expiresAt)], status: .created)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        try context.require(.read)
        let query = request.uri.queryParameters
        var filter = ConnectionFilter()
        if let kind = query["kind"] { filter.kind = try RequestInput.kind(String(kind)) }
        if let status = query["status"] {
            guard let parsed = ConnectionStatus(rawValue: String(status)) else {
                throw APIError.badRequest(
                    "status must be one of \(ConnectionStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            filter.status = parsed
        }
        if let endUser = query["end_user_id"] { filter.endUserID = String(endUser) }
        if let search = RequestInput.formValue(request.uri.query, "q") {
            guard search.count <= 200 else { throw APIError.badRequest("q must be at most 200 characters.") }
            filter.search = search
        }
        if let health = query["health"] {
            switch ConnectionHealth(rawValue: String(health)) {
            case .degraded: filter = manager.degradedFilter(filter)
            case .ok, nil: throw APIError.badRequest("health must be degraded (the only health a filter selects).")
            }
        }
        if let before = query["refresh_token_expires_before"] {
            filter.refreshTokenExpiresBefore = try RequestInput.date(
                String(before), name: "refresh_token_expires_before")
        }
        if let attention = query["needs_attention"] {
            switch attention {
            case "true": filter = manager.needsAttentionFilter(filter)
            case "false": break
            default: throw APIError.badRequest("needs_attention must be true or false.")
            }
        }
        let limit = try RequestInput.limit(query["limit"].map(String.init), default: 50, maximum: 1000)
        let cursor = query["cursor"].map(String.init)
        if let cursor { try RequestInput.validateID(cursor) }
        let page = try await APIError.vault { try await manager.connections(filter, after: cursor, limit: limit + 1) }
        let items = Array(page.prefix(limit))
        let next: JSONValue = page.count > limit ? .string(items.last!.id) : .null
        return JSONResponse.make(["connections": .array(items.map(json)), "next_cursor": next])
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        try context.require(.read)
        let id = try RequestInput.id(context)
        let connection = try await APIError.vault { try await manager.connection(id: id) }
        return JSONResponse.make(json(connection))
    }

    @Sendable func accessToken(_ request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.tokens)
        let id = try RequestInput.id(context)
        let token = try await APIError.vault { try await manager.accessToken(for: id) }
        let connection = try await APIError.vault { try await manager.connection(id: id) }
        await manager.audit(
            AuditEntry(
                occurredAt: manager.now(), action: .tokenRead, connectionID: id, actor: caller.actor,
                requestID: context.requestID(request)))
        return JSONResponse.make([
            "connection_id": .string(id), "access_token": .string(token),
            "expires_at": ConnectionJSON.date(connection.accessTokenExpiresAt),
        ])
    }

    @Sendable func refresh(_ request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.admin)
        let id = try RequestInput.id(context)
        // A well-formed request about a connection whose tokens never expire: the connection's state, not the input,
        // is what rules it out.
        let current = try await APIError.vault { try await manager.connection(id: id) }
        guard current.kind.hasExpiringTokens else {
            throw APIError(
                .conflict, code: "not_refreshable",
                message: "A \(current.kind) token does not expire and cannot be refreshed.")
        }
        let connection = try await APIError.vault { try await manager.refresh(id: id) }
        await manager.audit(
            AuditEntry(
                occurredAt: manager.now(), action: .connectionRefreshed, connectionID: id, actor: caller.actor,
                requestID: context.requestID(request)))
        return JSONResponse.make(json(connection))
    }

    @Sendable func revoke(_ request: Request, context: Context) async throws -> Response {
        let caller = try context.require(.admin)
        let id = try RequestInput.id(context)
        let connection = try await APIError.vault { try await manager.revoke(id: id) }
        await manager.audit(
            AuditEntry(
                occurredAt: manager.now(), action: .connectionRevoked, connectionID: id, actor: caller.actor,
                requestID: context.requestID(request)))
        return JSONResponse.make(json(connection))
    }

    @Sendable func events(_ request: Request, context: Context) async throws -> Response {
        try context.require(.read)
        let query = request.uri.queryParameters
        let after: Int64
        if let text = query["after"] {
            guard let value = Int64(text), value >= 0 else {
                throw APIError.badRequest("after must be a non-negative integer (an event sequence).")
            }
            after = value
        } else {
            after = 0
        }
        let connectionID = query["connection_id"].map(String.init)
        if let connectionID { try RequestInput.validateID(connectionID) }
        let limit = try RequestInput.limit(query["limit"].map(String.init), default: 100, maximum: 1000)
        let events = try await APIError.vault {
            try await manager.events(after: after, connectionID: connectionID, limit: limit)
        }
        var webhooks: [Int64: WebhookDelivery]?
        if configuration.webhookDestination != nil, !events.isEmpty {
            webhooks = try await APIError.vault {
                try await manager.webhookDeliveries(sequences: events.map(\.sequence))
            }
        }
        let next: JSONValue = events.last.map { .number(String($0.sequence)) } ?? .number(String(after))
        return JSONResponse.make([
            "events": .array(events.map { ConnectionJSON.event($0, webhooks: webhooks) }), "next_cursor": next,
        ])
    }

    private func json(_ connection: Connection) -> JSONValue {
        ConnectionJSON.connection(connection, health: manager.health(of: connection))
    }

}

/// Validation of path parameters, queries and JSON bodies: every bad input is a 4xx with a clear message.
enum RequestInput {
    static func kind(_ text: String?) throws -> ConnectionKind {
        guard let text, let kind = ConnectionKind(rawValue: text) else {
            throw APIError.badRequest(
                "kind must be one of \(ConnectionKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return kind
    }

    static func id(_ context: some RequestContext) throws -> String {
        guard let id = context.parameters.get("id") else { throw APIError.badRequest("A connection id is required.") }
        try validateID(id)
        return id
    }

    static func validateID(_ id: String) throws {
        guard !id.isEmpty, id.count <= 64,
            id.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" }),
            id.allSatisfy(\.isASCII)
        else {
            throw APIError.badRequest("Not a connection id.", code: "invalid_id")
        }
    }

    /// The value of `name` in a raw query, decoded as an HTML form encodes it (`+` is a space, then percent escapes),
    /// so that a search typed into a GET form finds what was typed.
    static func formValue(_ query: String?, _ name: String) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String? {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard decode(parts[0]) == name else { continue }
            return parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return nil
    }

    /// A date given as ISO 8601 (`2026-12-31T00:00:00Z`) or unix seconds.
    static func date(_ text: String, name: String) throws -> Date {
        // Unix seconds, `1798675200`, `+1798675200.25` or `1798675200.` (as the document's pattern allows).
        let number = text.hasSuffix(".") ? String(text.dropLast()) : text
        if let seconds = Double(number), seconds.isFinite, abs(seconds) < 1e11 {
            return Date(timeIntervalSince1970: seconds)
        }
        if let date = rfc3339(text) { return date }
        throw APIError.badRequest("\(name) must be an ISO 8601 date-time (2026-12-31T00:00:00Z) or unix seconds.")
    }

    /// An RFC 3339 date-time as OpenAPI's `date-time` allows it: `T` or `t` (or a space), any fraction of a second,
    /// `Z`/`z` or a ±hh:mm offset, and a leap second (read as the end of its minute's 59th second).
    static func rfc3339(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 64 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), bytes[4] == 45, let month = number(5..<7), bytes[7] == 45,
            let day = number(8..<10), [84, 116, 32].contains(bytes[10]), let hour = number(11..<13), bytes[13] == 58,
            let minute = number(14..<16), bytes[16] == 58, let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == 46 {
            var scale = 0.1
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offset = 0
        switch bytes[index] {
        case 90, 122:
            guard index + 1 == bytes.count else { return nil }
        case 43, 45:
            guard index + 6 == bytes.count, bytes[index + 3] == 58, let hours = number(index + 1..<index + 3),
                let minutes = number(index + 4..<index + 6), hours < 24, minutes < 60
            else { return nil }
            offset = (hours * 3600 + minutes * 60) * (bytes[index] == 43 ? 1 : -1)
        default:
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard
            let date = calendar.date(
                from: DateComponents(
                    year: year, month: month, day: day, hour: hour, minute: minute, second: min(second, 59)))
        else { return nil }
        let leap = second == 60 ? 0.999_999 : 0
        return date.addingTimeInterval(fraction + leap - Double(offset))
    }

    static func limit(_ text: String?, default value: Int, maximum: Int) throws -> Int {
        guard let text else { return value }
        guard let limit = Int(text), limit >= 1, limit <= maximum else {
            throw APIError.badRequest("limit must be an integer from 1 to \(maximum).")
        }
        return limit
    }

    static func jsonObject(_ request: Request, context: some RequestContext, limit: Int) async throws
        -> [String: JSONValue]
    {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "The body exceeds \(limit) bytes.")
        }
        guard buffer.readableBytes > 0 else { return [:] }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)),
            let object = value.objectValue
        else {
            throw APIError.badRequest("The body must be a JSON object.", code: "invalid_json")
        }
        return object
    }

    static func optionalString(_ body: [String: JSONValue], _ key: String, maxLength: Int = 128) throws -> String? {
        guard let value = body[key], value != .null else { return nil }
        guard case .string(let text) = value, !text.isEmpty, text.count <= maxLength else {
            throw APIError.badRequest("\(key) must be a non-empty string of at most \(maxLength) characters.")
        }
        return text
    }

    static func optionalBool(_ body: [String: JSONValue], _ key: String) throws -> Bool? {
        guard let value = body[key], value != .null else { return nil }
        guard let flag = value.boolValue else { throw APIError.badRequest("\(key) must be true or false.") }
        return flag
    }
}
