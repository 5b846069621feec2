import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Server-rendered HTML pages (swift-mustache templates in `Resources/templates/`, compiled into the binary; embedded
/// CSS, no external assets). Mustache escapes every value.
struct Pages: Sendable {
    let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        do {
            for (name, template) in Self.templates { try library.register(template, named: name) }
        } catch {
            preconditionFailure("The built-in templates do not parse: \(error)")
        }
        self.library = library
    }

    /// The authorization result page.
    func result(
        title: String, message: String, success: Bool, details: [(String, String)], sandbox: Bool,
        status: HTTPResponse.Status
    ) -> Response {
        let context: [String: Any] = [
            "title": title, "message": message, "success": success, "sandbox": sandbox,
            "details": details.map { ["name": $0.0, "value": $0.1] }, "hasDetails": !details.isEmpty,
        ]
        return html(library.render(context, withTemplate: "result") ?? title, status: status)
    }

    /// The templates by name: `Resources/templates/<name>.mustache`, embedded in the binary.
    static let templates: [(String, String)] = [
        ("layout", PackageResources.layout_mustache), ("result", PackageResources.result_mustache),
        ("admin-layout", PackageResources.admin_layout_mustache),
        ("admin-signin", PackageResources.admin_signin_mustache),
        ("admin-connections", PackageResources.admin_connections_mustache),
        ("admin-connection", PackageResources.admin_connection_mustache),
        ("admin-link", PackageResources.admin_link_mustache),
        ("admin-confirm", PackageResources.admin_confirm_mustache),
        ("admin-message", PackageResources.admin_message_mustache),
        ("admin-proxy-token", PackageResources.admin_proxy_token_mustache),
    ].map { name, bytes in (name, text(bytes)) }

    /// The UTF-8 text of an embedded file, without its final newline (templates render exactly what precedes it).
    static func text(_ bytes: [UInt8]) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    func html(_ text: String, status: HTTPResponse.Status = .ok, scriptNonce: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let scripts = scriptNonce.map { "; script-src 'nonce-\($0)'" } ?? ""
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'" + scripts
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
