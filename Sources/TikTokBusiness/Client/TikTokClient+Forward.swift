import Foundation
import Logging
import NIOCore

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
        var (streamed, head) = try await forwardStreaming(
            method: method, path: path, rawQuery: rawQuery, headers: headers, body: body, accessToken: accessToken,
            retry: retry)
        do {
            return (try await streamed.collect(upTo: Self.maximumForwardedBody), head)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as TikTokBodyTooLarge {
            throw TikTokError(category: .invalidResponse, message: error.description, endpoint: path, underlying: error)
        } catch {
            throw TikTokError(
                category: .transient, message: "The response did not complete: \(type(of: error)).", endpoint: path,
                underlying: error)
        }
    }

    /// The largest body ``forwardReadingEnvelope(method:path:rawQuery:headers:body:accessToken:retry:)`` reads
    /// whole, and the most a streamed answer is read ahead to find its envelope's head: 64 MiB.
    static var maximumForwardedBody: Int { 64 * 1024 * 1024 }

    /// Like ``forwardReadingEnvelope(method:path:rawQuery:headers:body:accessToken:retry:)``, but the answer's body
    /// streams: only as much is read as it takes to find the envelope's `code` (TikTok sends it first), and the rest
    /// is the caller's to relay from ``TikTokStreamedResponse/rest`` as it arrives. Retries work as there: an answer
    /// that is retried is dropped unread.
    public func forwardStreaming(
        method: String, path: String, rawQuery: String?, headers: [(name: String, value: String)] = [],
        body: Data?, accessToken: String?, retry: RetryMode?
    ) async throws -> (response: TikTokStreamedResponse, envelope: TikTokEnvelopeHead?) {
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
                try await governor.acquire(priority: .of(path: path))
            }
            let failure: TikTokError
            var answer: (response: TikTokStreamedResponse, envelope: TikTokEnvelopeHead?)?
            do {
                var response = try await transport.stream(request, timeout: configuration.requestTimeout)
                let head = try await Self.readEnvelopeHead(of: &response)
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

    /// Reads `response` until its envelope's head is known: `code` read and `data` reached, or the body's end (then the
    /// whole body decides), or ``maximumForwardedBody`` read without a head (then it is not an envelope for us).
    static func readEnvelopeHead(of response: inout TikTokStreamedResponse) async throws -> TikTokEnvelopeHead? {
        while true {
            let scan = response.prefix.withUnsafeReadableBytes { TikTokEnvelopeHead.scan(prefix: $0) }
            switch scan {
            case .head(let head): return head
            case .notEnvelope: return nil
            case .needMore:
                guard response.prefix.readableBytes < maximumForwardedBody, try await response.readMore() else {
                    return response.rest == nil
                        ? TikTokEnvelopeHead(json: Data(response.prefix.readableBytesView)) : nil
                }
            }
        }
    }
}
