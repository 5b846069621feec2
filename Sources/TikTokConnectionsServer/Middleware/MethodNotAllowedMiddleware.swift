import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import TikTokBusiness

/// Answers `405 Method Not Allowed` (with `Allow`) instead of the router's `404` when a request's path matches a
/// route under `prefix` but its method does not.
///
/// The router's not-found responder runs inside router-level middleware, so this sees every unmatched request. The
/// route table is filled in once every route is registered (``RouteTable/load(_:)``).
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The routes under a prefix, as path templates with their methods.
    final class RouteTable: Sendable {
        private let entries = Mutex<[(components: [String], methods: Set<HTTPRequest.Method>)]>([])
        let prefix: String

        init(prefix: String) { self.prefix = prefix }

        /// Records the router's routes under ``prefix``.
        func load(_ routes: [Router<Context>.RouteDescription]) {
            var table: [String: Set<HTTPRequest.Method>] = [:]
            for route in routes where route.path.description.hasPrefix(prefix) {
                table[route.path.description, default: []].insert(route.method)
            }
            let entries = table.map { (components: $0.key.split(separator: "/").map(String.init), methods: $0.value) }
            self.entries.withLock { $0 = entries }
        }

        /// The methods allowed on `path`, or `nil` when no route matches it.
        func methods(for path: String) -> Set<HTTPRequest.Method>? {
            let segments = path.split(separator: "/").map(String.init)
            let matching = entries.withLock { entries in
                entries.filter { Self.matches(template: $0.components, segments) }.map(\.methods)
            }
            return matching.isEmpty ? nil : matching.reduce(into: []) { $0.formUnion($1) }
        }

        static func matches(template: [String], _ segments: [String]) -> Bool {
            var index = 0
            for component in template {
                if component == "**" { return segments.count > index }
                guard index < segments.count else { return false }
                if !(component.hasPrefix("{") && component.hasSuffix("}")) && component != "*"
                    && component != segments[index]
                {
                    return false
                }
                index += 1
            }
            return index == segments.count
        }
    }

    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let allowed = routes.methods(for: request.uri.path), !allowed.contains(request.method) else {
                throw error
            }
            let names = allowed.map(\.rawValue).sorted()
            var response = JSONResponse.make(
                [
                    "error": [
                        "code": "method_not_allowed",
                        "message": .string(
                            "\(request.method.rawValue) is not allowed here; use \(names.joined(separator: ", "))."),
                    ]
                ], status: .methodNotAllowed)
            response.headers[.allow] = names.joined(separator: ", ")
            return response
        }
    }
}
