/// What the emulator has seen since it started or since the last ``EmulatorControl/resetCounters()``.
public struct EmulatorCounters: Sendable, Hashable {
    /// Successful code exchanges at `/oauth2/access_token/`.
    public var advertiserExchanges: Int = 0
    /// Successful code exchanges at `/tt_user/oauth2/token/`.
    public var accountExchanges: Int = 0
    /// Successful refreshes at `/tt_user/oauth2/refresh_token/`.
    public var refreshes: Int = 0
    /// Refresh calls answered with an application error (rate limiting and injected faults excluded).
    public var refreshFailures: Int = 0
    /// Refreshes (counted in ``refreshes`` too) that presented a rotated-out refresh token within the grace period.
    public var refreshGraceUses: Int = 0
    /// Successful refreshes per `open_id`.
    public var refreshesByOpenID: [String: Int] = [:]
    /// When each `open_id` was refreshed (emulator clock, unix seconds), oldest first: how far apart a connection's
    /// refreshes were, so a test can tell one refresh per token lifetime from a double refresh.
    public var refreshTimesByOpenID: [String: [Double]] = [:]
    /// Successful revocations at `/oauth2/revoke_token/` and `/tt_user/oauth2/revoke/`.
    public var revokes: Int = 0
    /// Calls received per API path (relative to `/open_api/v1.3`, e.g. `/campaign/get/`).
    public var calls: [String: Int] = [:]
    /// Injected faults (timeouts, 500, 504, 50002, 50000, 40100, dropped connections), latency excluded.
    public var faultsInjected: Int = 0
    /// Injected faults by kind: `timeout`, `http_500`, `non_json_504`, `code_50002`, `code_50000`, `code_40100`,
    /// `drop_connection`.
    public var faultsByKind: [String: Int] = [:]
    /// Calls delayed by the configured latency.
    public var delayedCalls: Int = 0
    /// Application errors the API answered on its own (not injected), per envelope code: 40102 for an expired access
    /// token, 40105 for an unknown or revoked one, 40110 for a refused refresh token, 40100 past the QPS limit, ….
    public var errorCodes: [Int: Int] = [:]
    /// Calls refused because an app exceeded the QPS limit.
    public var rateLimited: Int = 0

    /// Empty counters.
    public init() {}
}
