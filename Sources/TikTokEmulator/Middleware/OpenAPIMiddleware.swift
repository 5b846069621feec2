import HTTPTypes
import Hummingbird
import NIOCore

/// Wraps every `/open_api/…` call: counts it, injects the configured latency and faults, renders application errors
/// as envelopes (and counts them by code), and answers unknown API paths with HTTP 404 and an "Invalid path" envelope.
struct OpenAPIMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let state: EmulatorState

    static var prefix: String { "/open_api/v1.3" }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/open_api/") else { return try await next(request, context) }
        let apiPath = Self.apiPath(path)
        // The router has already resolved the endpoint when it runs its middleware; unknown paths have none.
        if context.endpointPath != nil {
            self.state.counters.recordCall(apiPath)
        }
        let (latency, fault) = self.state.faults.draw(for: apiPath)
        if latency > 0 {
            self.state.counters.recordDelay()
            try await Task.sleep(for: .milliseconds(latency))
        }
        if let fault {
            self.state.counters.recordFault(fault.kind)
            switch fault {
            case .timeout(let seconds):
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            case .http500:
                return APIResponse(error: .systemError, status: .internalServerError).makeResponse()
            case .gateway504:
                return Self.gatewayTimeoutPage()
            case .code50002:
                return APIResponse(error: .serviceUnavailable).makeResponse()
            case .code50000:
                return APIResponse(error: .systemError).makeResponse()
            case .code40100:
                return APIResponse(error: .rateLimited).makeResponse()
            case .dropConnection:
                // Close the connection, then fail the request: the server's error answer has nowhere to go.
                await context.dropConnection()
                throw DroppedConnection()
            }
        }
        do {
            return try await next(request, context)
        } catch let error as APIError {
            self.state.counters.recordError(code: error.code)
            return APIResponse(error: error).makeResponse()
        } catch let error as HTTPError where error.status == .notFound {
            return APIResponse(error: .parameter("Invalid path"), status: .notFound).makeResponse()
        }
    }

    /// Thrown after an injected fault closed the connection.
    struct DroppedConnection: Error {}

    /// `/open_api/v1.3/campaign/get` → `/campaign/get/`.
    static func apiPath(_ path: String) -> String {
        var apiPath = path.hasPrefix(self.prefix + "/") ? String(path.dropFirst(self.prefix.count)) : path
        if !apiPath.hasSuffix("/") { apiPath += "/" }
        return apiPath
    }

    private static func gatewayTimeoutPage() -> Response {
        let html = """
            <!DOCTYPE html>
            <html><head><title>504 Gateway Time-out</title></head>
            <body><center><h1>504 Gateway Time-out</h1></center><hr><center>tengine</center></body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: .gatewayTimeout, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
