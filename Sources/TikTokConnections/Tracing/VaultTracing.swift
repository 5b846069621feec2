import Synchronization
import TikTokBusiness
import Tracing

/// The vault's spans (swift-distributed-tracing): their names, their attribute keys, and the few helpers that open
/// them. With no tracer bootstrapped (the default) every span is a no-op.
///
/// A span carries identifiers and outcomes only: connection id and kind, an outcome word, TikTok's `code` and
/// `request_id`, an HTTP status, an API path. Never a token, the app secret, an authorization code, a state, or a
/// URL with its query. Errors are recorded as their type and outcome word, never as their description (which may
/// quote TikTok's message or a URL).
package enum VaultTracing {
    /// Span names.
    package static let callback = "tiktok_business.callback"
    package static let codeExchange = "tiktok_business.code_exchange"
    package static let refresh = "tiktok_business.refresh"
    package static let livenessCheck = "tiktok_business.liveness_check"
    package static let proxy = "tiktok_business.proxy"
    package static let webhookDelivery = "tiktok_business.webhook_delivery"

    /// Attribute keys.
    package enum Key {
        package static let connectionID = "tiktok_business.connection.id"
        package static let connectionKind = "tiktok_business.connection.kind"
        /// `success`, or why not: a ``ConnectionError/Code`` name, `reauthorization_required`, `transient_failure`,
        /// `tiktok_error`, `http_error`, `transport_error`, `cancelled`, `error`.
        package static let outcome = "tiktok_business.outcome"
        /// Whether the callback created a connection (`false`: re-authorized one).
        package static let created = "tiktok_business.connection.created"
        package static let eventType = "tiktok_business.event.type"
        package static let eventID = "tiktok_business.event.id"
        /// The attempt's number (1 for the first).
        package static let attempt = "tiktok_business.webhook.attempt"
        package static let tikTokCode = "tiktok.code"
        package static let tikTokRequestID = "tiktok.request_id"
        package static let tikTokErrorCategory = "tiktok.error_category"
        /// The TikTok API path called, e.g. `/business/get/` (never its query).
        package static let tikTokPath = "tiktok.path"
        package static let httpMethod = "http.request.method"
        package static let httpStatus = "http.response.status_code"
    }

    /// Outcome words shared by several spans.
    package enum Outcome {
        package static let success = "success"
        /// A webhook the receiver accepted (2xx).
        package static let delivered = "delivered"
        package static let reauthorizationRequired = "reauthorization_required"
        package static let transientFailure = "transient_failure"
        package static let tikTokError = "tiktok_error"
        package static let httpError = "http_error"
        package static let transportError = "transport_error"
        package static let cancelled = "cancelled"
        package static let error = "error"
    }

    /// Runs `operation` in a span named `name`. A success without an outcome set gets `success`; a failure gets its
    /// outcome (unless `operation` set one), TikTok's code and request id when the error carries them, an error
    /// status and an `exception` event with the error's type and outcome only.
    package static func span<T>(
        _ name: String, ofKind spanKind: SpanKind, connectionID: String? = nil, connectionKind: ConnectionKind? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ operation: (any Span) async throws -> T
    ) async throws -> T {
        let result: Result<T, any Error> = await withSpan(name, ofKind: spanKind, isolation: isolation) { span in
            setConnection(id: connectionID, kind: connectionKind, on: span)
            do {
                let value = try await operation(span)
                setOutcome(Outcome.success, on: span, unlessSet: true)
                return .success(value)
            } catch {
                failed(span, error)
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// A call to TikTok on behalf of `connection` (a refresh, a liveness check): a client span whose outcome is
    /// `reauthorization_required` when `definitive` says TikTok's refusal is final, `transient_failure` when it is
    /// retryable, `tiktok_error` otherwise.
    package static func tikTokCall<T>(
        _ name: String, connection: Connection, definitive: (TikTokError) -> Bool,
        isolation: isolated (any Actor)? = #isolation,
        _ operation: () async throws -> T
    ) async throws -> T {
        try await span(
            name, ofKind: .client, connectionID: connection.id, connectionKind: connection.kind, isolation: isolation
        ) { span in
            do {
                return try await operation()
            } catch let error as TikTokError {
                setOutcome(definitive(error) ? Outcome.reauthorizationRequired : outcome(of: error), on: span)
                throw error
            }
        }
    }

    /// An OAuth callback being completed: a server span with the connection it created or re-authorized.
    static func completingCallback(
        kind: ConnectionKind, isolation: isolated (any Actor)? = #isolation,
        _ operation: () async throws -> AuthorizationResult
    ) async throws -> AuthorizationResult {
        try await span(callback, ofKind: .server, connectionKind: kind, isolation: isolation) { span in
            let result = try await operation()
            setConnection(id: result.connection.id, kind: nil, on: span)
            if span.isRecording { span.attributes[Key.created] = result.created }
            return result
        }
    }

    /// An authorization code exchanged for tokens: a client span with the connection kind (and the connection id
    /// when a reconnect link re-authorizes one).
    static func exchangingCode<T>(
        kind: ConnectionKind, reconnecting connectionID: String?, isolation: isolated (any Actor)? = #isolation,
        _ operation: () async throws -> T
    ) async throws -> T {
        try await span(
            codeExchange, ofKind: .client, connectionID: connectionID, connectionKind: kind, isolation: isolation
        ) { _ in try await operation() }
    }

    /// One webhook delivery attempt (the HTTP call): a client span with the event, its connection, the attempt's
    /// number, the receiver's HTTP status, and the outcome `delivered`, `http_error`, `transport_error` or `cancelled`.
    static func deliveringWebhook(
        _ delivery: WebhookDelivery, isolation: isolated (any Actor)? = #isolation,
        _ send: () async throws -> TikTokHTTPResponse
    ) async throws -> TikTokHTTPResponse {
        let event = delivery.event
        return try await span(
            webhookDelivery, ofKind: .client, connectionID: event.connectionID,
            connectionKind: event.data["kind"].flatMap(ConnectionKind.init(rawValue:)), isolation: isolation
        ) { span in
            if span.isRecording {
                span.attributes[Key.eventType] = event.type.rawValue
                span.attributes[Key.eventID] = event.id
                span.attributes[Key.attempt] = delivery.attempts + 1
            }
            let response: TikTokHTTPResponse
            do {
                response = try await send()
            } catch {
                setOutcome(Task.isCancelled ? Outcome.cancelled : Outcome.transportError, on: span)
                throw error
            }
            guard span.isRecording else { return response }
            span.attributes[Key.httpStatus] = response.status
            if (200..<300).contains(response.status) {
                setOutcome(Outcome.delivered, on: span)
            } else {
                setOutcome(Outcome.httpError, on: span)
                span.setStatus(SpanStatus(code: .error, message: "HTTP \(response.status)"))
            }
            return response
        }
    }

    /// Sets the connection's id and kind (each when known).
    package static func setConnection(id: String?, kind: ConnectionKind?, on span: any Span) {
        guard span.isRecording else { return }
        if let id { span.attributes[Key.connectionID] = id }
        if let kind { span.attributes[Key.connectionKind] = kind.rawValue }
    }

    /// Sets the outcome; with `unlessSet`, keeps one already set.
    package static func setOutcome(_ outcome: String, on span: any Span, unlessSet: Bool = false) {
        guard span.isRecording else { return }
        if unlessSet, span.attributes[Key.outcome] != nil { return }
        span.attributes[Key.outcome] = outcome
    }

    /// Sets TikTok's envelope code and request id (each when known).
    package static func setTikTok(code: Int?, requestID: String?, on span: any Span) {
        guard span.isRecording else { return }
        if let code { span.attributes[Key.tikTokCode] = code }
        if let requestID { span.attributes[Key.tikTokRequestID] = requestID }
    }

    /// Records a failure on `span`: outcome (unless set), TikTok's code, request id and error category when the error
    /// carries them, an error status and an `exception` event. Only the error's type and outcome word are recorded.
    package static func failed(_ span: any Span, _ error: any Error) {
        guard span.isRecording else { return }
        var tikTokError: TikTokError?
        let outcome: String
        switch error {
        case let error as ConnectionError:
            outcome = error.code.description
            tikTokError = error.tikTokError
        case let error as TikTokError:
            outcome = Self.outcome(of: error)
            tikTokError = error
        case is CancellationError:
            outcome = Outcome.cancelled
        default:
            outcome = Outcome.error
        }
        var summary = outcome
        if case .string(let set)? = span.attributes.get(Key.outcome) {
            summary = set
        } else {
            span.attributes[Key.outcome] = outcome
        }
        if let tikTokError {
            setTikTok(code: tikTokError.code, requestID: tikTokError.requestID, on: span)
            span.attributes[Key.tikTokErrorCategory] = tikTokError.category.description
            summary += " (TikTok \(tikTokError.category)\(tikTokError.code.map { " \($0)" } ?? ""))"
        }
        span.recordError(
            TracedFailure(summary: summary),
            attributes: ["exception.type": .string(String(describing: type(of: error)))])
        span.setStatus(SpanStatus(code: .error, message: summary))
    }

    static func outcome(of error: TikTokError) -> String {
        error.category.isRetryable ? Outcome.transientFailure : Outcome.tikTokError
    }

    /// What a span records of an error: an outcome word (and TikTok's category and code), nothing the error said.
    struct TracedFailure: Error, CustomStringConvertible {
        var summary: String
        var description: String { summary }
    }
}

extension ConnectionManager {
    /// The kind of a connection whose access token ``accessToken(for:)`` handed out recently (from memory, no store
    /// read), for spans and logs; `nil` when it is not in memory.
    package func cachedKind(of id: String) -> ConnectionKind? {
        tokenCache.withLock { $0[id]?.kind }
    }
}
