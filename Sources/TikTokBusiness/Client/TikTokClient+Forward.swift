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
            var answer: TikTokHTTPResponse?
            do {
                let response = try await transport.send(request, timeout: configuration.requestTimeout)
                guard let error = Self.retryableFailure(in: response, endpoint: path) else { return response }
                failure = error
                answer = response
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

    /// The retryable failure a raw response carries, if any: a 40100/50000/50002 envelope or a 5xx.
    static func retryableFailure(in response: TikTokHTTPResponse, endpoint: String) -> TikTokError? {
        do {
            let _: TikTokResponse<JSONValue> = try TikTokResponse.decode(response, endpoint: endpoint)
            return nil
        } catch let error as TikTokError {
            return error.category.isRetryable ? error : nil
        } catch {
            return nil
        }
    }
}
