import Foundation
import Logging

extension TikTokClient {
    /// Calls any endpoint and returns the envelope's `data`.
    ///
    /// - Parameters:
    ///   - method: `GET`, `POST`, …
    ///   - path: the path below the API base URL, e.g. `/campaign/get/`.
    ///   - query: query parameters; arrays and objects are JSON-encoded for the caller, as TikTok expects
    ///     (`advertiser_ids=["1"]`).
    ///   - body: a JSON body, for POST.
    ///   - accessToken: sent as the `Access-Token` header.
    ///   - retry: which failures may be retried; default ``RetryMode/idempotent``.
    public func request(
        _ method: String,
        _ path: String,
        query: [String: JSONValue] = [:],
        body: JSONValue? = nil,
        accessToken: String? = nil,
        retry: RetryMode = .idempotent
    ) async throws -> JSONValue {
        let response = try await send(
            method, path, query: query, body: body, accessToken: accessToken, retry: retry, data: { $0.jsonValue })
        return response.data ?? .null
    }

    /// Calls any endpoint and decodes the envelope's `data` as `T`.
    public func request<T: Decodable & Sendable>(
        _ method: String,
        _ path: String,
        query: [String: JSONValue] = [:],
        body: JSONValue? = nil,
        accessToken: String? = nil,
        retry: RetryMode = .idempotent,
        as type: T.Type
    ) async throws -> T {
        let response: TikTokResponse<T> = try await send(
            method, path, query: query, body: body, accessToken: accessToken, retry: retry)
        guard let data = response.data else {
            throw TikTokError(
                category: .invalidResponse, message: "The response has no data.", requestID: response.requestID,
                endpoint: path)
        }
        return data
    }

    /// Sends a request with retries and the rate governor, and returns the decoded envelope.
    func send<T: Decodable & Sendable>(
        _ method: String,
        _ path: String,
        query: [String: JSONValue],
        body: JSONValue?,
        accessToken: String?,
        retry mode: RetryMode
    ) async throws -> TikTokResponse<T> {
        let decoded = try await send(
            method, path, query: query, body: body, accessToken: accessToken, retry: mode,
            data: { try $0.decode(T.self) })
        return TikTokResponse(
            code: decoded.head.code ?? 0, message: decoded.head.message ?? "OK", requestID: decoded.head.requestID,
            data: decoded.data)
    }

    /// Sends a request with retries and the rate governor; returns the envelope's head and its `data` (when not null)
    /// decoded by `decodeData` from the body, which is parsed once.
    func send<T>(
        _ method: String,
        _ path: String,
        query: [String: JSONValue],
        body: JSONValue?,
        accessToken: String?,
        retry mode: RetryMode,
        data decodeData: (JSONNode) throws -> T
    ) async throws -> (head: TikTokEnvelopeHead, data: T?) {
        let request = try makeRequest(method, path, query: query, body: body, accessToken: accessToken)
        let policy = configuration.retry
        let started = ContinuousClock.now
        var generator = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            do {
                if let governor = configuration.rateGovernor {
                    try await governor.acquire(priority: .of(path: path))
                }
                return try await attemptOnce(request, path: path, data: decodeData)
            } catch let error as TikTokError {
                guard attempt < policy.maxAttempts, mode.allowsRetry(of: error) else { throw error }
                let backoff = policy.backoff(beforeRetry: attempt, using: &generator)
                guard ContinuousClock.now - started + backoff < policy.maximumElapsed else { throw error }
                logger.debug(
                    "Retrying TikTok call",
                    metadata: [
                        "tiktok.endpoint": "\(path)", "tiktok.attempt": "\(attempt + 1)",
                        "tiktok.error_category": "\(error.category)",
                        "tiktok.code": "\(error.code.map(String.init) ?? "-")",
                    ])
                try await Task.sleep(for: backoff)
                attempt += 1
            }
        }
    }

    private func attemptOnce<T>(
        _ request: TikTokHTTPRequest, path: String, data decodeData: (JSONNode) throws -> T
    ) async throws -> (head: TikTokEnvelopeHead, data: T?) {
        let response: TikTokHTTPResponse
        do {
            response = try await transport.send(request, timeout: configuration.requestTimeout)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            logger.debug(
                "TikTok call failed to complete",
                metadata: ["tiktok.endpoint": "\(path)", "tiktok.error": "\(type(of: error))"])
            throw TikTokError(
                category: .transient, message: "The request did not complete: \(type(of: error)).", endpoint: path,
                underlying: error)
        }
        let decoded = try EnvelopeDecoding.decode(response, endpoint: path, data: decodeData)
        logger.trace(
            "TikTok call succeeded",
            metadata: ["tiktok.endpoint": "\(path)", "tiktok.request_id": "\(decoded.head.requestID ?? "-")"])
        return decoded
    }

    /// Builds the HTTP request; the URL may hold the secret and must never be logged.
    func makeRequest(
        _ method: String, _ path: String, query: [String: JSONValue], body: JSONValue?, accessToken: String?
    ) throws -> TikTokHTTPRequest {
        let trimmed = path.hasPrefix("/") ? String(path.dropFirst()) : path
        guard !trimmed.isEmpty, !trimmed.contains(".."), !trimmed.contains("?"), !trimmed.contains("#"),
            !trimmed.contains("://")
        else {
            throw TikTokError(category: .parameter, message: "Not an API path: \(path)", endpoint: path)
        }
        var url = configuration.apiBaseURL + trimmed
        if !query.isEmpty {
            url += "?" + QueryEncoding.encode(query)
        }
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let accessToken {
            headers.append(("Access-Token", accessToken))
        }
        var data: Data?
        if let body {
            headers.append(("Content-Type", "application/json"))
            data = Data(body.jsonText.utf8)
        }
        return TikTokHTTPRequest(method: method, url: url, headers: headers, body: data)
    }
}

/// Query-string encoding as TikTok expects it: arrays and objects become JSON text, everything percent-encoded.
public enum QueryEncoding {
    /// The characters left as they are: RFC 3986 unreserved.
    static let unreserved: CharacterSet = {
        var set = CharacterSet()
        set.insert(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return set
    }()

    /// `key=value&…`, keys sorted, values percent-encoded; array and object values JSON-encoded.
    public static func encode(_ query: [String: JSONValue]) -> String {
        query.keys.sorted().compactMap { key -> String? in
            guard let value = query[key] else { return nil }
            let text: String
            switch value {
            case .null: return nil
            case .array, .object: text = value.jsonText
            default: text = value.stringValue ?? ""
            }
            return escape(key) + "=" + escape(text)
        }.joined(separator: "&")
    }

    /// Percent-encodes everything but unreserved characters.
    public static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
