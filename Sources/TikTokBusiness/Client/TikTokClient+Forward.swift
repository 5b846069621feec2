import Foundation
import Logging

extension TikTokClient {
    /// Sends a raw API request and returns TikTok's raw response, for proxies that relay it.
    ///
    /// The request waits its turn at the app's ``RateGovernor``. When `retry` allows it, rate-limited (40100) and
    /// transient answers (50000, 50002, 5xx, non-JSON gateway pages, no answer) are retried with backoff; the last
    /// answer is returned whatever its envelope code. Only a failure to get any answer throws.
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - path: the API path below the base URL, e.g. `/campaign/get/`; `..`, schemes and hosts are refused.
    ///   - rawQuery: the query string as received (already percent-encoded), without `?`.
    ///   - headers: headers to pass on (e.g. `Content-Type`); `Access-Token` is set from `accessToken`.
    ///   - body: the body to pass on.
    ///   - retry: `nil` to never retry (non-idempotent requests), else the mode.
    public func forward(
        method: String, path: String, rawQuery: String?, headers: [(name: String, value: String)] = [],
        body: Data?, accessToken: String?, retry: RetryMode?
    ) async throws -> TikTokHTTPResponse {
        try await forwardReadingEnvelope(
            method: method, path: path, rawQuery: rawQuery, headers: headers, body: body, accessToken: accessToken,
            retry: retry
        ).response
    }

    /// ``forward(method:path:rawQuery:headers:body:accessToken:retry:)``, also returning the head of TikTok's
    /// envelope, read once (never the whole `data` tree), or `nil` when the answer is not an envelope.
    public func forwardReadingEnvelope(
        method: String, path: String, rawQuery: String?, headers: [(name: String, value: String)] = [],
        body: Data?, accessToken: String?, retry: RetryMode?
    ) async throws -> (response: TikTokHTTPResponse, envelope: TikTokEnvelopeHead?) {
        var request = try makeRequest(method, path, query: [:], body: nil, accessToken: accessToken)
        if let rawQuery, !rawQuery.isEmpty {
            request.url += "?" + rawQuery
        }
        for header in headers where !["access-token", "host", "content-length"].contains(header.name.lowercased()) {
            request.headers.append(header)
        }
        request.body = body
        let policy = configuration.retry
        let started = ContinuousClock.now
        var generator = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            if let governor = configuration.rateGovernor {
                try await governor.acquire()
            }
            let failure: TikTokError
            var answer: (response: TikTokHTTPResponse, envelope: TikTokEnvelopeHead?)?
            do {
                let response = try await transport.send(request, timeout: configuration.requestTimeout)
                let head = TikTokEnvelopeHead(json: response.body)
                guard let error = TikTokEnvelopeHead.failure(of: head, status: response.status, endpoint: path),
                    error.category.isRetryable
                else { return (response, head) }
                failure = error
                answer = (response, head)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failure = TikTokError(
                    category: .transient, message: "The request did not complete: \(type(of: error)).",
                    endpoint: path, underlying: error)
            }
            let backoff = policy.backoff(beforeRetry: attempt, using: &generator)
            guard let retry, retry.allowsRetry(of: failure), attempt < policy.maxAttempts,
                ContinuousClock.now - started + backoff < policy.maximumElapsed
            else {
                // Out of retries: relay TikTok's last answer, or report that there was none.
                if let answer { return answer }
                throw failure
            }
            logger.debug(
                "Retrying forwarded TikTok call",
                metadata: ["tiktok.endpoint": "\(path)", "tiktok.attempt": "\(attempt + 1)"])
            try await Task.sleep(for: backoff)
            attempt += 1
        }
    }

}
