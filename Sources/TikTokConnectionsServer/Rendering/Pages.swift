import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Server-rendered HTML pages (swift-mustache, embedded CSS, no external assets). Mustache escapes every value.
struct Pages: Sendable {
    let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        do {
            try library.register(Self.layout, named: "layout")
            try library.register(Self.result, named: "result")
            for (name, template) in Self.adminTemplates { try library.register(template, named: name) }
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

    static let layout = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{$title}}tiktok-business{{/title}}</title>
        <style>
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1b1d21}
        .sandbox{background:#ffb020;color:#1b1d21;padding:.5rem 1rem;font-weight:600;text-align:center}
        main{max-width:40rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:12px;box-shadow:0 1px 3px #0002}
        h1{font-size:1.4rem;margin-top:0} .ok{color:#127a3a} .fail{color:#b42318}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem} dt{font-weight:600} dd{margin:0;word-break:break-all}
        </style></head><body>
        {{#sandbox}}<div class="sandbox">Sandbox mode: TikTok is the built-in emulator. No real accounts are connected.</div>{{/sandbox}}
        <main>{{$body}}{{/body}}</main></body></html>
        """

    static let result = """
        {{<layout}}{{$title}}{{title}} · tiktok-business{{/title}}{{$body}}
        <h1 class="{{#success}}ok{{/success}}{{^success}}fail{{/success}}">{{title}}</h1>
        <p>{{message}}</p>
        {{#hasDetails}}<dl>{{#details}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/details}}</dl>{{/hasDetails}}
        {{/body}}{{/layout}}
        """
}
