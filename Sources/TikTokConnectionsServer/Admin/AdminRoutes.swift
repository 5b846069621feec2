import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TikTokBusiness
import TikTokConnections

/// The admin page: `GET /` and `/admin/…`.
///
/// Sign-in with the API key starts an in-memory session (cookie `HttpOnly`, `SameSite=Strict`, `Secure` over https);
/// every state-changing form carries the session's CSRF token (the sign-in form a login token bound to a cookie).
/// It uses only the public API of ``ConnectionManager`` and never renders a token. Sign-in attempts are rate limited
/// per client (``PublicRateLimits/signIn``).
struct AdminRoutes<Context: RequestContext & RemoteAddressRequestContext>: Sendable {
    static var sessionCookie: String { "tiktok_business_admin" }
    static var loginCookie: String { "tiktok_business_admin_login" }
    static var pageSize: Int { 50 }

    let manager: ConnectionManager
    let configuration: ServerConfiguration
    let pages: Pages
    let sessions: AdminSessions
    let apiKey: String
    let limiters: PublicRouteLimiters
    let keys: APIKeyCache
    let proxyTokens: ProxyTokenCache

    init(
        manager: ConnectionManager, configuration: ServerConfiguration, pages: Pages, sessions: AdminSessions,
        limiters: PublicRouteLimiters, keys: APIKeyCache, proxyTokens: ProxyTokenCache
    ) {
        self.manager = manager
        self.configuration = configuration
        self.pages = pages
        self.sessions = sessions
        self.apiKey = configuration.apiKey
        self.limiters = limiters
        self.keys = keys
        self.proxyTokens = proxyTokens
    }

    func register(on router: Router<Context>) {
        router.get("/", use: index)
        router.group("admin/sign-in")
            .add(
                middleware: limiters.middleware(
                    limiters.signIn, group: "sign_in", pages: pages, sandbox: configuration.sandbox)
            )
            .post(use: signIn)
        router.post("admin/sign-out", use: signOut)
        router.post("admin/links", use: createLink)
        router.get("admin/connections/:id", use: show)
        router.post("admin/connections/:id/refresh", use: refresh)
        router.get("admin/connections/:id/revoke", use: confirmRevoke)
        router.post("admin/connections/:id/revoke", use: revoke)
        router.post("admin/connections/:id/reconnect-link", use: reconnectLink)
        router.post("admin/connections/:id/proxy-tokens", use: issueProxyToken)
        router.post("admin/proxy-tokens/:tokenID/revoke", use: revokeProxyToken)
    }

    // MARK: Sign-in

    @Sendable func index(_ request: Request, context: Context) async throws -> Response {
        guard let session = session(request) else { return signInPage(error: nil, status: .ok) }
        let query = request.uri.queryParameters
        let kind = query["kind"].flatMap { ConnectionKind(rawValue: String($0)) }
        let status = query["status"].flatMap { ConnectionStatus(rawValue: String($0)) }
        let search = RequestInput.formValue(request.uri.query, "q")?.trimmingCharacters(in: .whitespaces) ?? ""
        let cursor = query["cursor"].map(String.init).flatMap { (try? RequestInput.validateID($0)) == nil ? nil : $0 }

        let attention = query["attention"].map(String.init).flatMap(AttentionList.init(rawValue:))
        var rows: [Connection] = []
        var nextCursor: String?
        var overview: [String: Any] = [:]
        do {
            var filter = ConnectionFilter(
                kind: kind, status: status, search: search.isEmpty ? nil : String(search.prefix(200)))
            if let attention { filter = self.filter(attention, filter) }
            let page = try await manager.connections(filter, after: cursor, limit: Self.pageSize + 1)
            rows = Array(page.prefix(Self.pageSize))
            if page.count > Self.pageSize { nextCursor = rows.last?.id }
            if cursor == nil, kind == nil, status == nil, search.isEmpty, attention == nil {
                overview = try await overviewContext()
            }
        } catch let error as ConnectionError {
            return message(session, "The list is unavailable", error.message, status: APIError.from(error).status)
        }

        let now = manager.now()
        func pageLink(_ cursor: String?) -> String {
            var items: [(String, String)] = []
            if let kind { items.append(("kind", kind.rawValue)) }
            if let status { items.append(("status", status.rawValue)) }
            if !search.isEmpty { items.append(("q", search)) }
            if let attention { items.append(("attention", attention.rawValue)) }
            if let cursor { items.append(("cursor", cursor)) }
            return "/"
                + (items.isEmpty ? "" : "?" + items.map { "\($0)=\(QueryEncoding.escape($1))" }.joined(separator: "&"))
        }
        var context = common(session)
        context["rows"] = rows.map { connection -> [String: Any] in
            let badge = ConnectionBadge.of(
                connection, now: now, refreshMargin: manager.configuration.refreshMargin,
                health: manager.health(of: connection))
            let last = connection.kind.hasExpiringTokens ? connection.lastRefreshedAt : connection.lastCheckedAt
            return [
                "id": connection.id, "kind": AdminFormat.kind(connection.kind), "who": AdminFormat.who(connection),
                "name": connection.displayName ?? "—",
                "endUser": connection.endUserID ?? "—", "badge": badge.label, "tone": badge.tone.rawValue,
                "lastRefresh": AdminFormat.date(last), "lastRefreshRelative": AdminFormat.relative(last, now: now),
            ]
        }
        context["hasRows"] = !rows.isEmpty
        context["filtered"] = kind != nil || status != nil || !search.isEmpty || attention != nil
        context.merge(overview) { $1 }
        if let attention { context["attentionLabel"] = attention.label }
        context["kinds"] = ConnectionKind.allCases.map { ["value": $0.rawValue, "label": AdminFormat.kind($0)] }
        context["kindFilter"] = ConnectionKind.allCases.map {
            ["value": $0.rawValue, "label": AdminFormat.kind($0), "selected": $0 == kind] as [String: Any]
        }
        context["statusFilter"] = ConnectionStatus.allCases.map {
            [
                "value": $0.rawValue, "label": $0.rawValue.replacingOccurrences(of: "_", with: " "),
                "selected": $0 == status,
            ]
                as [String: Any]
        }
        context["q"] = search
        context["paged"] = cursor != nil
        context["firstPage"] = pageLink(nil)
        if let nextCursor { context["nextPage"] = pageLink(nextCursor) }
        if let notice = query["notice"].flatMap({ Self.notices[String($0)] }) { context["notice"] = notice }
        return pages.admin("admin-connections", context)
    }

    @Sendable func signIn(_ request: Request, context: Context) async throws -> Response {
        let form = try await FormInput.read(request)
        guard let expected = request.cookies[Self.loginCookie]?.value, !expected.isEmpty,
            AdminSessions.constantTimeEqual(form["csrf"] ?? "", expected)
        else {
            return signInPage(error: "The sign-in form expired. Please try again.", status: .forbidden)
        }
        guard let key = form["api_key"], let keyID = try await adminKeyID(key) else {
            context.logger.notice("Admin sign-in refused")
            return signInPage(error: "That API key is not valid.", status: .unauthorized)
        }
        let session = sessions.create(keyID: keyID)
        context.logger.info("Admin signed in", metadata: ["api_key.id": "\(keyID)"])
        await manager.audit(
            AuditEntry(
                occurredAt: manager.now(), action: .adminSignedIn, actor: session.actor,
                requestID: context.requestID(request)))
        var response = redirect("/")
        response.setCookie(cookie(Self.sessionCookie, session.id, maxAge: Int(sessions.lifetime)))
        response.setCookie(cookie(Self.loginCookie, "", maxAge: 0))
        return response
    }

    @Sendable func signOut(_ request: Request, context: Context) async throws -> Response {
        let (session, _) = try await authorize(request)
        sessions.end(id: session.id)
        var response = redirect("/")
        response.setCookie(cookie(Self.sessionCookie, "", maxAge: 0))
        return response
    }

    // MARK: Links

    @Sendable func createLink(_ request: Request, context: Context) async throws -> Response {
        let (session, form) = try await authorize(request)
        guard let kind = form["kind"].flatMap(ConnectionKind.init(rawValue:)) else {
            return message(session, "Unknown kind", "Choose one of the connection kinds.", status: .badRequest)
        }
        let endUser = form["end_user_id"].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap(\.nonEmpty)
        if let endUser, endUser.count > 256 {
            return message(session, "End user id too long", "Use at most 256 characters.", status: .badRequest)
        }
        let options = AuthorizationLinkOptions(endUserID: endUser, forceConsent: form["force_consent"] != nil)
        return await linkPage(
            session, kind: kind, options: options, back: "/", heading: "Authorization link",
            requestID: context.requestID(request))
    }

    @Sendable func reconnectLink(_ request: Request, context: Context) async throws -> Response {
        let (session, _) = try await authorize(request)
        let connection: Connection
        do {
            connection = try await manager.connection(id: try RequestInput.id(context))
        } catch {
            return failure(session, error)
        }
        let options = AuthorizationLinkOptions(
            endUserID: connection.endUserID, reconnectConnectionID: connection.id, forceConsent: true)
        return await linkPage(
            session, kind: connection.kind, options: options, back: "/admin/connections/\(connection.id)",
            heading: "Reconnect link", name: connection.displayName, requestID: context.requestID(request))
    }

    private func linkPage(
        _ session: AdminSessions.Session, kind: ConnectionKind, options: AuthorizationLinkOptions, back: String,
        heading: String, name: String? = nil, requestID: String
    ) async -> Response {
        do {
            let link = try await manager.authorizationLink(for: kind, options: options)
            var data = ["kind": kind.rawValue]
            if let endUser = options.endUserID { data["end_user_id"] = endUser }
            await manager.audit(
                AuditEntry(
                    occurredAt: manager.now(), action: .linkCreated, connectionID: options.reconnectConnectionID,
                    actor: session.actor, requestID: requestID, data: data))
            var context = common(session)
            context["mailto"] = AdminFormat.mailto(url: link.url, name: name, expires: link.expiresAt)
            context["heading"] = heading
            context["url"] = link.url
            context["back"] = back
            context["audience"] = kind.usesAdvertiserFlow ? "advertiser" : "account holder"
            context["expires"] = AdminFormat.date(link.expiresAt)
            context["expiresRelative"] = AdminFormat.relative(link.expiresAt, now: manager.now())
            return pages.admin("admin-link", context, scriptNonce: RandomID.urlSafe(bytes: 16))
        } catch {
            return failure(session, error)
        }
    }

    // MARK: A connection

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        guard let session = session(request) else { return redirect("/") }
        do {
            let connection = try await manager.connection(id: try RequestInput.id(context))
            let notice = request.uri.queryParameters["notice"].flatMap { Self.notices[String($0)] }
            return try await connectionPage(session, connection, notice: notice, error: nil, status: .ok)
        } catch {
            return failure(session, error)
        }
    }

    @Sendable func refresh(_ request: Request, context: Context) async throws -> Response {
        let (session, _) = try await authorize(request)
        do {
            let id = try RequestInput.id(context)
            do {
                _ = try await manager.refresh(id: id)
                await manager.audit(
                    AuditEntry(
                        occurredAt: manager.now(), action: .connectionRefreshed, connectionID: id,
                        actor: session.actor, requestID: context.requestID(request)))
                return redirect("/admin/connections/\(id)?notice=refreshed")
            } catch let error as ConnectionError where error.code != .notFound {
                // Show the connection as it now is (e.g. re-authorization required) with what went wrong.
                let connection = try await manager.connection(id: id)
                return try await connectionPage(
                    session, connection, notice: nil, error: "Refresh failed: \(error.message)",
                    status: APIError.from(error).status)
            }
        } catch {
            return failure(session, error)
        }
    }

    @Sendable func confirmRevoke(_ request: Request, context: Context) async throws -> Response {
        guard let session = session(request) else { return redirect("/") }
        do {
            let connection = try await manager.connection(id: try RequestInput.id(context))
            var page = common(session)
            page["id"] = connection.id
            page["kind"] = AdminFormat.kind(connection.kind)
            let who = AdminFormat.who(connection)
            if who != "—" { page["who"] = who }
            return pages.admin("admin-confirm", page)
        } catch {
            return failure(session, error)
        }
    }

    @Sendable func revoke(_ request: Request, context: Context) async throws -> Response {
        let (session, form) = try await authorize(request)
        do {
            let id = try RequestInput.id(context)
            guard form["confirm"] == "yes" else { return redirect("/admin/connections/\(id)/revoke") }
            _ = try await manager.revoke(id: id)
            await manager.audit(
                AuditEntry(
                    occurredAt: manager.now(), action: .connectionRevoked, connectionID: id, actor: session.actor,
                    requestID: context.requestID(request)))
            context.logger.info("Connection revoked from the admin page", metadata: ["connection.id": "\(id)"])
            return redirect("/admin/connections/\(id)?notice=revoked")
        } catch {
            return failure(session, error)
        }
    }

    private func connectionPage(
        _ session: AdminSessions.Session, _ connection: Connection, notice: String?, error: String?,
        status: HTTPResponse.Status
    ) async throws -> Response {
        let now = manager.now()
        let events = try await recentEvents(connectionID: connection.id)
        let health = manager.health(of: connection)
        let badge = ConnectionBadge.of(
            connection, now: now, refreshMargin: manager.configuration.refreshMargin, health: health)
        var context = common(session)
        context.merge(try await auditContext(connectionID: connection.id)) { $1 }
        context.merge(try await proxyTokenContext(connection)) { $1 }
        context["id"] = connection.id
        if let name = connection.displayName { context["displayName"] = name }
        if let avatar = connection.avatarURL, avatar.lowercased().hasPrefix("https://") {
            context["avatarURL"] = avatar
        }
        context["names"] = connection.names.sorted { $0.key < $1.key }.map { ["identity": $0.key, "name": $0.value] }
        context["health"] = health.rawValue
        if let since = connection.failingSince {
            context["failingSince"] = AdminFormat.date(since)
            context["failingSinceRelative"] = AdminFormat.relative(since, now: now)
        }
        context["kind"] = AdminFormat.kind(connection.kind)
        context["badge"] = badge.label
        context["tone"] = badge.tone.rawValue
        if let reason = connection.statusReason { context["statusReason"] = reason }
        context["endUser"] = connection.endUserID ?? "—"
        context["identities"] = AdminFormat.identities(connection).map { ["label": $0.label, "values": $0.values] }
        context["scopes"] = connection.scopes.isEmpty ? "—" : connection.scopes.joined(separator: ", ")
        context["expiring"] = connection.kind.hasExpiringTokens
        context["accessExpires"] = AdminFormat.date(connection.accessTokenExpiresAt)
        context["accessExpiresRelative"] = AdminFormat.relative(connection.accessTokenExpiresAt, now: now)
        context["refreshExpires"] = AdminFormat.date(connection.refreshTokenExpiresAt)
        context["refreshExpiresRelative"] = AdminFormat.relative(connection.refreshTokenExpiresAt, now: now)
        context["lastRefreshed"] = AdminFormat.date(connection.lastRefreshedAt)
        context["lastChecked"] = AdminFormat.date(connection.lastCheckedAt)
        context["created"] = AdminFormat.date(connection.createdAt)
        context["updated"] = AdminFormat.date(connection.updatedAt)
        context["canRefresh"] = connection.kind.hasExpiringTokens && connection.status == .active
        context["canReconnect"] = connection.status == .reauthorizationRequired
        context["canRevoke"] = connection.status != .revoked
        context["hasEvents"] = !events.isEmpty
        var deliveries: [Int64: WebhookDelivery] = [:]
        if let destination = configuration.webhookDestination {
            context["webhookDestination"] = destination
            deliveries = try await manager.webhookDeliveries(sequences: events.map(\.sequence))
        }
        let webhooksOn = configuration.webhookDestination != nil
        context["events"] = events.reversed().map { event -> [String: Any] in
            var item: [String: Any] = [
                "label": AdminFormat.event(event.type), "when": AdminFormat.date(event.occurredAt),
                "relative": AdminFormat.relative(event.occurredAt, now: now),
                "details": event.data.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] },
            ]
            if webhooksOn {
                let state = AdminFormat.webhook(deliveries[event.sequence], now: now)
                var webhook: [String: Any] = ["label": state.label, "tone": state.tone.rawValue]
                if let detail = state.detail { webhook["detail"] = detail }
                item["webhook"] = webhook
            }
            return item
        }
        if let notice { context["notice"] = notice }
        if let error { context["error"] = error }
        return pages.admin("admin-connection", context, status: status)
    }

    /// The connection's newest events (at most `keep`), oldest first. The event log only reads forward, so this walks
    /// it in pages; a connection gathers about one event a day.
    private func recentEvents(connectionID: String, keep: Int = 200) async throws -> [ConnectionEvent] {
        var recent: [ConnectionEvent] = []
        var after: Int64 = 0
        for _ in 0..<100 {
            let page = try await manager.events(after: after, connectionID: connectionID, limit: 1000)
            recent = Array((recent + page).suffix(keep))
            guard page.count == 1000, let last = page.last else { break }
            after = last.sequence
        }
        return recent
    }

    // MARK: Helpers

    /// The id of the admin-scoped key `presented` is, or `nil`: the configured key (`primary`, compared in constant
    /// time) or an unrevoked named key with the `admin` scope.
    private func adminKeyID(_ presented: String) async throws -> String? {
        if AdminSessions.constantTimeEqual(presented, apiKey) { return "primary" }
        guard presented.hasPrefix("tbk_"), presented.count <= 128,
            let caller = try? await keys.caller(presented), caller.scope == .admin
        else { return nil }
        return caller.keyID
    }

    static var notices: [String: String] {
        [
            "refreshed": "The access token was refreshed.", "revoked": "The connection was revoked.",
            "proxy-token-revoked": "The proxy token was revoked.",
        ]
    }

    private func session(_ request: Request) -> AdminSessions.Session? {
        sessions.session(id: request.cookies[Self.sessionCookie]?.value)
    }

    /// The session and form of a state-changing request, or an error page: 401 when not signed in, 403 when the CSRF
    /// token is missing or wrong.
    func authorize(_ request: Request) async throws -> (AdminSessions.Session, [String: String]) {
        guard let session = session(request) else {
            throw AdminPageError(
                pages: pages, sandbox: configuration.sandbox, status: .unauthorized,
                heading: "Please sign in", message: "Your session has ended. Sign in again to continue.")
        }
        let form = try await FormInput.read(request)
        guard let token = form["csrf"], AdminSessions.constantTimeEqual(token, session.csrfToken) else {
            throw AdminPageError(
                pages: pages, sandbox: configuration.sandbox, status: .forbidden,
                heading: "This form expired", message: "Reload the page and try again.")
        }
        return (session, form)
    }

    func common(_ session: AdminSessions.Session?) -> [String: Any] {
        var context: [String: Any] = ["sandbox": configuration.sandbox, "signedIn": session != nil]
        if let fault = manager.configurationFault {
            var text = "TikTok rejects this instance's app id or secret"
            if let code = fault.tikTokCode {
                text += " (code \(code)" + (fault.requestID.map { ", request id \($0)" } ?? "") + ")"
            }
            text += " since \(ConnectionJSON.timestamp(fault.firstSeenAt)): check TIKTOK_APP_ID and TIKTOK_APP_SECRET."
            text += " No connection is marked for it."
            context["configurationFault"] = text
        }
        if let session { context["csrf"] = session.csrfToken }
        return context
    }

    private func signInPage(error: String?, status: HTTPResponse.Status) -> Response {
        let token = RandomID.urlSafe(bytes: 32)
        var context = common(nil)
        context["loginToken"] = token
        if let error { context["error"] = error }
        var response = pages.admin("admin-signin", context, status: status)
        response.setCookie(cookie(Self.loginCookie, token, maxAge: 3600))
        return response
    }

    func message(
        _ session: AdminSessions.Session?, _ heading: String, _ text: String, status: HTTPResponse.Status
    ) -> Response {
        var context = common(session)
        context["heading"] = heading
        context["message"] = text
        return pages.admin("admin-message", context, status: status)
    }

    func failure(_ session: AdminSessions.Session, _ error: any Error) -> Response {
        switch error {
        case let error as ConnectionError:
            let status = APIError.from(error).status
            let heading = error.code == .notFound ? "No such connection" : "That did not work"
            return message(session, heading, error.message, status: status)
        case let error as APIError:
            return message(session, "That did not work", error.message, status: error.status)
        default:
            return message(
                session, "Something went wrong", "Please try again in a moment.", status: .internalServerError)
        }
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    private func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: "/", secure: configuration.secureCookies, httpOnly: true,
            sameSite: .strict)
    }
}

/// An admin failure rendered as an HTML page.
struct AdminPageError: Error, HTTPResponseError {
    let pages: Pages
    let sandbox: Bool
    let status: HTTPResponse.Status
    let heading: String
    let message: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        pages.admin(
            "admin-message", ["sandbox": sandbox, "signedIn": false, "heading": heading, "message": message],
            status: status)
    }
}

/// `application/x-www-form-urlencoded` bodies, decoded by Hummingbird's `URLEncodedFormDecoder` into flat fields.
///
/// A malformed form (a bad percent escape, a repeated name, a bracketed name such as `a[b]`) is a 400 `invalid_form`;
/// the message never repeats a value (the sign-in form carries the API key).
enum FormInput {
    static func read(_ request: Request, limit: Int = 16 * 1024) async throws -> [String: String] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "The form exceeds \(limit) bytes.")
        }
        return try parse(String(buffer: buffer))
    }

    /// The fields of a form; a pair without `=` is ignored.
    static func parse(_ text: String) throws(APIError) -> [String: String] {
        do {
            return try URLEncodedFormDecoder().decode([String: String].self, from: text)
        } catch let error as URLEncodedFormError where error.code == .duplicateKeys {
            throw APIError.badRequest(
                "The form repeats the field \(error.value.debugDescription).", code: "invalid_form")
        } catch {
            throw APIError.badRequest(
                "The form is not valid application/x-www-form-urlencoded data with one value per field.",
                code: "invalid_form")
        }
    }
}
