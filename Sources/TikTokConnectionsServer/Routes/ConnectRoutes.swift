import Foundation
import HTTPTypes
import Hummingbird
import Logging
import TikTokBusiness
import TikTokConnections

/// The browser flow: `GET /connect/{kind}` starts an authorization bound to a cookie, and
/// `GET /oauth/callback/{kind}` completes it and shows a result page (or redirects to `redirect_after`).
/// `/connect/{kind}` is anonymous, so it never takes an end user (`?end_user_id=` is refused with 400): connections it
/// starts have none.
///
/// Both routes are rate limited per client (``PublicRateLimits``): each `/connect` stores a state.
struct ConnectRoutes<Context: RequestContext & RemoteAddressRequestContext>: Sendable {
    static var bindingCookie: String { "tiktok_business_oauth" }

    let manager: ConnectionManager
    let configuration: ServerConfiguration
    let pages: Pages
    let limiters: PublicRouteLimiters

    func register(on router: Router<Context>) {
        let sandbox = configuration.sandbox
        router.group("connect")
            .add(middleware: limiters.middleware(limiters.connect, group: "connect", pages: pages, sandbox: sandbox))
            .get(":kind", use: connect)
        router.group("oauth/callback")
            .add(middleware: limiters.middleware(limiters.callback, group: "callback", pages: pages, sandbox: sandbox))
            .get(":kind", use: callback)
    }

    @Sendable func connect(_ request: Request, context: Context) async throws -> Response {
        let kind = try RequestInput.kind(context.parameters.get("kind"))
        let query = request.uri.queryParameters
        let redirectAfter = query["redirect_after"].map(String.init)
        if let redirectAfter, redirectAfter.utf8.count > InputLimits.redirectAfter {
            throw APIError.badRequest(
                "redirect_after is longer than \(InputLimits.redirectAfter) bytes.", code: "value_too_long")
        }
        if let redirectAfter, !configuration.allowsRedirect(to: redirectAfter) {
            throw APIError.badRequest("redirect_after must point to an allowed origin.", code: "redirect_not_allowed")
        }
        // Anyone can open this address: an end user named in its query string would let a stranger attach their
        // grant to someone else's account. End users come only from links the service issued.
        if query["end_user_id"] != nil {
            throw APIError.badRequest(
                "end_user_id is not accepted on /connect/{kind}. End users are attached only through links the service "
                    + "issues: POST /v1/connect-links with end_user_id (API key required), or the admin page's link form.",
                code: "end_user_id_not_accepted")
        }
        let forceConsent = ["1", "true", "yes"].contains(query["force_consent"].map { $0.lowercased() } ?? "")
        // Reuse the browser's binding so several tabs can connect at once.
        let binding = request.cookies[Self.bindingCookie]?.value.nonEmpty ?? RandomID.urlSafe(bytes: 32)
        let link: AuthorizationLink
        do {
            link = try await manager.authorizationLink(
                for: kind,
                options: .init(
                    forceConsent: forceConsent, expiresIn: configuration.browserFlowLifetime,
                    browserBinding: binding, redirectAfter: redirectAfter))
        } catch let error as ConnectionError {
            throw APIError.from(error)
        }
        var response = Response(status: .found, headers: [.location: link.url, .cacheControl: "no-store"])
        response.setCookie(
            Cookie(
                name: Self.bindingCookie, value: binding, maxAge: Int(configuration.browserFlowLifetime),
                path: "/oauth/callback", secure: configuration.secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    @Sendable func callback(_ request: Request, context: Context) async throws -> Response {
        let sandbox = configuration.sandbox
        guard let kindText = context.parameters.get("kind"), let kind = ConnectionKind(rawValue: kindText) else {
            return pages.result(
                title: "Unknown connection kind", message: "This callback address is not one this service issued.",
                success: false, details: [], sandbox: sandbox, status: .badRequest)
        }
        let binding = request.cookies[Self.bindingCookie]?.value
        do {
            let result = try await manager.completeAuthorization(
                kind: kind, query: request.uri.query ?? "", browserBinding: binding)
            if let redirect = result.redirectAfter, configuration.allowsRedirect(to: redirect) {
                let separator = redirect.contains("?") ? "&" : "?"
                let target = redirect + separator + "connection_id=" + QueryEncoding.escape(result.connection.id)
                return Response(status: .found, headers: [.location: target, .cacheControl: "no-store"])
            }
            return pages.result(
                title: result.created ? "Connected" : "Reconnected",
                message: "The \(Self.label(kind)) is connected. You can close this page.", success: true,
                details: Self.details(result.connection), sandbox: sandbox, status: .ok)
        } catch let error as ConnectionError {
            let (title, message, status) = Self.failure(error)
            context.logger.notice(
                "Authorization callback rejected", metadata: ["connection.kind": "\(kind)", "reason": "\(error.code)"])
            return pages.result(
                title: title, message: message, success: false, details: [], sandbox: sandbox, status: status)
        }
    }

    static func label(_ kind: ConnectionKind) -> String {
        switch kind {
        case .advertiser: "TikTok advertiser account"
        case .tiktokAccount: "TikTok account"
        case .tcmAccount: "Creator Marketplace account"
        case .creator: "TikTok creator"
        }
    }

    static func details(_ connection: Connection) -> [(String, String)] {
        var details = [("Connection", connection.id), ("Kind", connection.kind.rawValue)]
        if !connection.advertiserIDs.isEmpty {
            details.append(("Advertisers", connection.advertiserIDs.joined(separator: ", ")))
        }
        if let openID = connection.openID { details.append(("Open ID", openID)) }
        if !connection.tcmAccountIDs.isEmpty {
            details.append(("TTCM accounts", connection.tcmAccountIDs.joined(separator: ", ")))
        }
        if !connection.scopes.isEmpty { details.append(("Scopes", connection.scopes.joined(separator: ", "))) }
        return details
    }

    static func failure(_ error: ConnectionError) -> (String, String, HTTPResponse.Status) {
        switch error.code {
        case .authorizationDenied:
            ("Authorization declined", "TikTok reported: \(error.message)", .badRequest)
        case .stateExpired:
            ("This link has expired", "Ask for a new authorization link and try again.", .gone)
        case .stateReplayed:
            ("This link was already used", "Each authorization link works once. Ask for a new one.", .conflict)
        case .browserMismatch:
            ("Started in another browser", "Finish the authorization in the browser that started it.", .forbidden)
        case .unknownState, .kindMismatch, .malformedCallback, .valueTooLong:
            (
                "Not a valid authorization", "This address was not produced by an authorization this service started.",
                .badRequest
            )
        case .exchangeFailed:
            ("TikTok refused the authorization", error.tikTokError?.message ?? error.message, .badGateway)
        default:
            (
                "Something went wrong", "TikTok or the service is unavailable. Please try again in a moment.",
                .serviceUnavailable
            )
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
