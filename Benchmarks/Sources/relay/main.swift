// The bare relay the proxy is measured against: forward the path, the query and `Access-Token` to the upstream API,
// return the body. Nothing else: no token lookup, no envelope reading, no retries.
//
// Usage: relay <port> <upstream base URL, e.g. http://127.0.0.1:9100>
import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore

let arguments = CommandLine.arguments
guard arguments.count == 3, let port = Int(arguments[1]) else {
    print("usage: relay <port> <upstream base URL>")
    exit(2)
}
let upstream = arguments[2]
let client = HTTPClient.shared

let router = Router()
router.get("**") { request, _ -> Response in
    var outgoing = HTTPClientRequest(url: upstream + request.uri.path + (request.uri.query.map { "?" + $0 } ?? ""))
    if let token = request.headers[.init("Access-Token")!] {
        outgoing.headers.add(name: "Access-Token", value: token)
    }
    let answer = try await client.execute(outgoing, timeout: .seconds(30))
    let body = try await answer.body.collect(upTo: 64 * 1024 * 1024)
    return Response(
        status: .init(code: Int(answer.status.code)), headers: [.contentType: "application/json"],
        body: .init(byteBuffer: body))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
