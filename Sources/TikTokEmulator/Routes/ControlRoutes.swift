import HTTPTypes
import Hummingbird
import NIOCore

/// The test-control API under `/_emulator/`: JSON in and out, `400 {"error": "…"}` on bad input. Every route is a thin
/// shell over ``EmulatorControl``.
struct ControlRoutes: Sendable {
    let control: EmulatorControl

    func register<Context: RequestContext>(on router: Router<Context>) {
        let group = router.group("_emulator")
        group.get("clock") { _, _ in self.json(["now": .int(self.control.now)]) }
        group.post("clock/advance") { request, context in
            try await self.handle(request, context) { body throws(EmulatorControlError) in
                guard let seconds = try Self.number(body, "seconds") else {
                    throw .invalidArgument("seconds is required")
                }
                try self.control.advanceClock(bySeconds: seconds)
                return ["now": .int(self.control.now)]
            }
        }
        group.post("consent/next") { request, context in
            try await self.handle(request, context) { body throws(EmulatorControlError) in
                let user = try Self.requiredString(body, "user")
                let decisionText = try Self.string(body, "decision") ?? "approve"
                guard let decision = ConsentDecision(rawValue: decisionText) else {
                    throw .invalidArgument("decision must be approve or deny")
                }
                self.control.scriptNextConsent(user: user, decision: decision)
                return ["user": .string(user), "decision": .string(decision.rawValue)]
            }
        }
        group.post("grants") { request, context in
            try await self.handle(request, context) { body throws(EmulatorControlError) in
                let flowText = try Self.requiredString(body, "flow")
                guard let flow = AuthorizationFlow(rawValue: flowText) else {
                    throw .invalidArgument("flow must be advertiser or account")
                }
                let code = try self.control.mintAuthorizationCode(
                    flow: flow,
                    appID: try Self.requiredString(body, "app_id"),
                    redirectURI: try Self.requiredString(body, "redirect_uri"),
                    user: try Self.requiredString(body, "user"),
                    scopes: Permissions.splitScopes(try Self.string(body, "scopes") ?? "")
                )
                return ["code": .string(code)]
            }
        }
        group.post("tokens/revoke") { request, context in
            try await self.handle(request, context) { body throws(EmulatorControlError) in
                let accessToken = try Self.string(body, "access_token")
                let user = try Self.string(body, "user")
                guard accessToken != nil || user != nil else {
                    throw .invalidArgument("access_token or user is required")
                }
                return ["revoked": .int(self.control.revokeTokens(accessToken: accessToken, user: user))]
            }
        }
        group.get("faults") { _, _ in self.json(Self.json(self.control.faults)) }
        group.post("faults") { request, context in
            try await self.handle(request, context) { body throws(EmulatorControlError) in
                let faults = EmulatorFaults(
                    http500Rate: try Self.number(body, "http_500_rate") ?? 0,
                    nonJSON504Rate: try Self.number(body, "non_json_504_rate") ?? 0,
                    code50002Rate: try Self.number(body, "code_50002_rate") ?? 0,
                    code50000Rate: try Self.number(body, "code_50000_rate") ?? 0,
                    code40100Rate: try Self.number(body, "code_40100_rate") ?? 0,
                    dropConnectionRate: try Self.number(body, "drop_connection_rate") ?? 0,
                    latencyMilliseconds: Int(try Self.number(body, "latency_ms") ?? 0),
                    latencyRate: try Self.number(body, "latency_rate") ?? 1,
                    latencyJitterMilliseconds: Int(try Self.number(body, "latency_jitter_ms") ?? 0),
                    timeoutRate: try Self.number(body, "timeout_rate") ?? 0,
                    timeoutSeconds: try Self.number(body, "timeout_seconds") ?? 30,
                    paths: try Self.strings(body, "paths")
                )
                try self.control.setFaults(faults)
                return Self.json(faults)
            }
        }
        group.delete("faults") { _, _ in
            self.control.clearFaults()
            return self.json(Self.json(self.control.faults))
        }
        group.get("config") { _, _ in self.json(Self.json(self.control.settings)) }
        group.post("config") { request, context in
            try await self.handle(request, context) { body throws(EmulatorControlError) in
                let accessTokenLifetime = try Self.number(body, "access_token_lifetime").map(Int.init)
                let refreshTokenLifetime = try Self.number(body, "refresh_token_lifetime").map(Int.init)
                let authCodeLifetime = try Self.number(body, "auth_code_lifetime").map(Int.init)
                let rotate = try Self.bool(body, "rotate_refresh_tokens")
                let grace = try Self.number(body, "refresh_token_grace").map(Int.init)
                let autoConsent = try Self.bool(body, "auto_consent")
                let qpsLimitPresent = body["qps_limit"] != nil
                let qpsLimit = try Self.number(body, "qps_limit").map(Int.init)
                do {
                    try self.control.updateSettings { settings in
                        if let accessTokenLifetime { settings.accessTokenLifetime = accessTokenLifetime }
                        if let refreshTokenLifetime { settings.refreshTokenLifetime = refreshTokenLifetime }
                        if let authCodeLifetime { settings.authCodeLifetime = authCodeLifetime }
                        if let rotate { settings.rotateRefreshTokens = rotate }
                        if let grace { settings.refreshTokenGracePeriod = grace }
                        if let autoConsent { settings.autoConsent = autoConsent }
                        if qpsLimitPresent { settings.qpsLimit = qpsLimit }
                    }
                } catch let error as EmulatorControlError {
                    throw error
                } catch {
                    throw .invalidArgument("\(error)")
                }
                return Self.json(self.control.settings)
            }
        }
        group.get("counters") { _, _ in self.json(Self.json(self.control.counters)) }
        // Every refresh's time per open_id (emulator clock), and the clock now: large, so not part of /counters.
        group.get("refreshes") { _, _ in
            let times = self.control.counters.refreshTimesByOpenID
            return self.json([
                "now": .double(self.control.preciseNow),
                "refresh_times_by_open_id": .object(
                    times.sorted { $0.key < $1.key }.map { ($0, .array($1.map(JSONValue.double))) }),
            ])
        }
        group.post("counters/reset") { _, _ in
            self.control.resetCounters()
            return self.json(Self.json(self.control.counters))
        }
        group.get("users/{name}") { _, context in
            let name = context.parameters.get("name").map(FormEncoding.decodeComponent) ?? ""
            return self.json(Self.json(self.control.user(named: name)))
        }
    }

    // MARK: Plumbing

    private func handle(
        _ request: Request,
        _ context: some RequestContext,
        _ operation: (JSONValue) throws(EmulatorControlError) -> JSONValue
    ) async throws -> Response {
        let body: JSONValue
        do {
            body = try await JSONBody.readIfPresent(request, context: context)?.value ?? [:]
        } catch is APIError {
            return self.json(["error": "The request body must be a JSON object."], status: .badRequest)
        }
        do {
            return self.json(try operation(body))
        } catch {
            return self.json(["error": .string(error.reason)], status: .badRequest)
        }
    }

    private func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.serialized)))
    }

    private static func string(_ body: JSONValue, _ key: String) throws(EmulatorControlError) -> String? {
        guard let value = body[key], value != .null else { return nil }
        guard let string = value.stringValue else { throw .invalidArgument("\(key) must be a string") }
        return string.isEmpty ? nil : string
    }

    private static func requiredString(_ body: JSONValue, _ key: String) throws(EmulatorControlError) -> String {
        guard let string = try self.string(body, key) else { throw .invalidArgument("\(key) is required") }
        return string
    }

    private static func number(_ body: JSONValue, _ key: String) throws(EmulatorControlError) -> Double? {
        guard let value = body[key], value != .null else { return nil }
        guard let number = value.doubleValue, number.isFinite, abs(number) < 1e15 else {
            throw .invalidArgument("\(key) must be a number")
        }
        return number
    }

    private static func bool(_ body: JSONValue, _ key: String) throws(EmulatorControlError) -> Bool? {
        guard let value = body[key], value != .null else { return nil }
        guard case .bool(let bool) = value else { throw .invalidArgument("\(key) must be true or false") }
        return bool
    }

    private static func strings(_ body: JSONValue, _ key: String) throws(EmulatorControlError) -> [String]? {
        guard let value = body[key], value != .null else { return nil }
        guard let elements = value.arrayValue else { throw .invalidArgument("\(key) must be an array of strings") }
        var strings: [String] = []
        for element in elements {
            guard case .string(let string) = element else {
                throw .invalidArgument("\(key) must be an array of strings")
            }
            strings.append(string)
        }
        return strings
    }

    // MARK: Rendering

    private static func json(_ faults: EmulatorFaults) -> JSONValue {
        [
            "http_500_rate": .double(faults.http500Rate),
            "non_json_504_rate": .double(faults.nonJSON504Rate),
            "code_50002_rate": .double(faults.code50002Rate),
            "code_50000_rate": .double(faults.code50000Rate),
            "code_40100_rate": .double(faults.code40100Rate),
            "drop_connection_rate": .double(faults.dropConnectionRate),
            "latency_ms": .int(faults.latencyMilliseconds),
            "latency_rate": .double(faults.latencyRate),
            "latency_jitter_ms": .int(faults.latencyJitterMilliseconds),
            "timeout_rate": .double(faults.timeoutRate),
            "timeout_seconds": .double(faults.timeoutSeconds),
            "paths": faults.paths.map { .strings($0) } ?? .null,
        ]
    }

    private static func json(_ settings: EmulatorSettings) -> JSONValue {
        [
            "auto_consent": .bool(settings.autoConsent),
            "access_token_lifetime": .int(settings.accessTokenLifetime),
            "refresh_token_lifetime": .int(settings.refreshTokenLifetime),
            "rotate_refresh_tokens": .bool(settings.rotateRefreshTokens),
            "refresh_token_grace": .int(settings.refreshTokenGracePeriod),
            "auth_code_lifetime": .int(settings.authCodeLifetime),
            "qps_limit": settings.qpsLimit.map(JSONValue.int) ?? .null,
        ]
    }

    private static func json(_ counters: EmulatorCounters) -> JSONValue {
        [
            "exchanges": [
                "advertiser": .int(counters.advertiserExchanges),
                "account": .int(counters.accountExchanges),
            ],
            "refreshes": .int(counters.refreshes),
            "refresh_failures": .int(counters.refreshFailures),
            "refresh_grace_uses": .int(counters.refreshGraceUses),
            "refreshes_by_open_id": .object(
                counters.refreshesByOpenID.sorted { $0.key < $1.key }.map { ($0, .int($1)) }),
            "revokes": .int(counters.revokes),
            "calls": .object(counters.calls.sorted { $0.key < $1.key }.map { ($0, .int($1)) }),
            "faults_injected": .int(counters.faultsInjected),
            "faults_by_kind": .object(counters.faultsByKind.sorted { $0.key < $1.key }.map { ($0, .int($1)) }),
            "delayed_calls": .int(counters.delayedCalls),
            "error_codes": .object(counters.errorCodes.sorted { $0.key < $1.key }.map { (String($0), .int($1)) }),
            "rate_limited": .int(counters.rateLimited),
        ]
    }

    private static func json(_ user: EmulatedUser) -> JSONValue {
        [
            "name": .string(user.name),
            "display_name": .string(user.displayName),
            "username": .string(user.username),
            "advertiser_ids": .strings(user.advertiserIDs),
            "open_id": .string(user.openID),
            "tto_tcm_account_id": .string(user.ttoTCMAccountID),
        ]
    }
}
