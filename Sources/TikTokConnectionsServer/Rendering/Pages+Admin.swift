import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The admin pages (templates `Resources/templates/admin-*.mustache`). Every value is escaped by Mustache; no external
/// assets; one small inline script (with a CSP nonce) for the copy buttons.
extension Pages {
    /// Renders an admin template (`context` gets the layout's common values).
    func admin(
        _ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok, scriptNonce: String? = nil
    )
        -> Response
    {
        var context = context
        if let scriptNonce { context["nonce"] = scriptNonce }
        let text = library.render(context, withTemplate: template) ?? "tiktok-business"
        return html(text, status: status, scriptNonce: scriptNonce)
    }
}
