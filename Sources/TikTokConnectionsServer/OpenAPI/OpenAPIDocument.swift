import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The OpenAPI 3.1 document of the `/v1` API, served at `GET /openapi.json`.
///
/// It describes what ``ManagementRoutes``, ``OperationsRoutes``, ``ProxyTokenRoutes`` and ``ProxyRoutes`` do (the
/// drop-in
/// endpoint, ``DropInRoutes``, is outside `/v1` and only described in `info.description`); `OpenAPITests` keeps the two
/// in step (every
/// documented operation exists, every `/v1` route is documented, real responses carry the documented properties).
enum OpenAPIDocument {
    /// `GET /openapi.json`, no authentication.
    static func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            headers[.cacheControl] = "public, max-age=300"
            headers[.init("Access-Control-Allow-Origin")!] = "*"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
        }
    }

    /// The document as JSON text: `Resources/openapi.json`, embedded in the binary (without the file's final newline,
    /// so the bytes served are the document's own).
    static let json: String = {
        var text = String(decoding: PackageResources.openapi_json, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }()
}
