public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import TikTokBusiness

/// An HTTP client that keeps cookies per host and follows redirects by hand, like a browser.
public final class Browser: @unchecked Sendable {
    // Used from one test task at a time; the jar is not shared across tasks.
    private var cookies: [String: [String: String]] = [:]
    public let client = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    /// A page: its status, body and Location, and the redirects followed to it.
    public struct Page {
        public var status: Int
        public var body: String
        public var location: String?
        public var visited: [String]
    }

    public init() {}

    public func shutdown() { try? client.syncShutdown() }

    /// Fetches `url` with the host's cookies, keeping the cookies it sets; redirects are not followed.
    public func get(_ url: String, headers: [(String, String)] = []) async throws -> Page {
        var request = HTTPClientRequest(url: url)
        let host = URLComponents(string: url).map { "\($0.host ?? ""):\($0.port ?? 80)" } ?? ""
        if let jar = cookies[host], !jar.isEmpty {
            request.headers.add(name: "Cookie", value: jar.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(15))
        for header in response.headers[canonicalForm: "set-cookie"] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            if pair.count == 2 { cookies[host, default: [:]][String(pair[0])] = String(pair[1]) }
        }
        let body = try await response.body.collect(upTo: 4 << 20)
        return Page(
            status: Int(response.status.code), body: String(buffer: body),
            location: response.headers.first(name: "location"),
            visited: [url])
    }

    /// Fetches `url` and follows up to ten redirects; `visited` lists the redirects' targets.
    public func follow(_ url: String) async throws -> Page {
        var page = try await get(url)
        var visited: [String] = []
        while let location = page.location, (300..<400).contains(page.status), visited.count < 10 {
            visited.append(location)
            page = try await get(location)
        }
        page.visited = visited
        return page
    }

    /// Waits up to 30 s for `url` to answer 200.
    public func waitUntilUp(_ url: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let page = try? await get(url), page.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("\(url) did not come up")
    }
}

/// A client of the service's `/v1` API with its API key.
public struct APIClient {
    public let base: String
    public let key: String
    public let browser: Browser

    public init(base: String, key: String, browser: Browser) {
        self.base = base
        self.key = key
        self.browser = browser
    }

    public func get(_ path: String) async throws -> JSONValue { try await send("GET", path) }

    /// Sends `method` to `path` and decodes the JSON answer (`null` when it is not JSON).
    public func send(_ method: String, _ path: String) async throws -> JSONValue {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        let response = try await browser.client.execute(request, timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 4 << 20)
        return (try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))) ?? .null
    }
}
