import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import TikTokBusiness

/// The default transport against a live loopback server: it never follows a redirect (which would carry the
/// `Access-Token` elsewhere), and its timeout covers the whole exchange, body included.
@Suite("The default transport's safety")
struct TransportSafetyTests {
    final class Hits: Sendable {
        let paths = Mutex<[String]>([])
    }

    static func application(_ hits: Hits) -> some ApplicationProtocol {
        let router = Router()
        router.get("redirect") { _, _ in
            Response(status: .temporaryRedirect, headers: [.location: "/elsewhere"])
        }
        router.get("elsewhere") { request, _ -> String in
            hits.paths.withLock { $0.append(request.headers[.init("Access-Token")!] ?? "-") }
            return "{\"code\":0}"
        }
        router.get("stall") { _, _ in
            // The head and a first chunk at once, then nothing for three seconds (the call allows one): a call
            // whose deadline stopped at the head would end with the whole body instead of an error.
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init { writer in
                    try await writer.write(ByteBuffer(string: "{\"code\":0,"))
                    try await Task.sleep(for: .seconds(3))
                    try await writer.write(ByteBuffer(string: "\"data\":{}}"))
                    try await writer.finish(nil)
                })
        }
        return Application(router: router)
    }

    @Test func aRedirectIsReturnedNotFollowed() async throws {
        let hits = Hits()
        try await Self.application(hits).test(.live) { client in
            let transport = AsyncHTTPClientTransport()
            let response = try await transport.send(
                TikTokHTTPRequest(
                    method: "GET", url: "http://127.0.0.1:\(client.port!)/redirect",
                    headers: [(name: "Access-Token", value: "act.secret")]),
                timeout: .seconds(5))
            #expect(response.status == 307)
            #expect(hits.paths.withLock { $0 }.isEmpty, "the redirect was followed with the token")
        }
    }

    @Test func aPeerThatStallsAfterItsHeadersTimesOut() async throws {
        try await Self.application(Hits()).test(.live) { client in
            let transport = AsyncHTTPClientTransport()
            await #expect(throws: (any Error).self) {
                _ = try await transport.send(
                    TikTokHTTPRequest(method: "GET", url: "http://127.0.0.1:\(client.port!)/stall"),
                    timeout: .seconds(1))
            }
        }
    }
}
