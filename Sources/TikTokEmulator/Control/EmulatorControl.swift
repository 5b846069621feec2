import Logging

/// In-process control of a running ``TikTokEmulator``: the same operations as the `/_emulator` HTTP API.
///
/// ```swift
/// let emulator = TikTokEmulator()
/// emulator.control.scriptNextConsent(user: "alice", decision: .approve)
/// emulator.control.advanceClock(bySeconds: 86_400)
/// ```
public final class EmulatorControl: Sendable {
    let state: EmulatorState

    init(state: EmulatorState) {
        self.state = state
    }

    // MARK: Clock

    /// The emulated time, in whole seconds since 1970 (real time plus every advance so far).
    public var now: Int { Int(self.state.now().rounded(.down)) }
    /// The emulated clock, unix seconds with their fraction.
    public var preciseNow: Double { self.state.now() }

    /// Moves the emulated clock forward; every expiry (codes, tokens, refresh deadlines) follows it.
    /// - Throws: ``EmulatorControlError/Kind/invalidArgument`` for a negative or non-finite value.
    public func advanceClock(bySeconds seconds: Double) throws(EmulatorControlError) {
        guard seconds.isFinite, seconds >= 0 else {
            throw .invalidArgument("seconds must be a non-negative number")
        }
        self.state.clock.advance(bySeconds: seconds)
    }

    // MARK: Consent

    /// Scripts the answer of the next consent screen (queued, one-shot): the next authorization URL opened redirects
    /// back at once as `user` with `decision`.
    public func scriptNextConsent(user: String, decision: ConsentDecision) {
        self.state.consents.script(user: user, decision: decision)
    }

    /// Mints an authorization code directly, as if `user` had approved `scopes` for the app (for bulk tests).
    /// - Parameters:
    /// - flow: ``AuthorizationFlow/advertiser`` (exchange at `/oauth2/access_token/`) or ``AuthorizationFlow/account``
    ///     (exchange at `/tt_user/oauth2/token/`).
    ///   - scopes: account scopes; for the advertiser flow, numeric permission ids (default: all).
    /// - Returns: the code.
    public func mintAuthorizationCode(
        flow: AuthorizationFlow,
        appID: String,
        redirectURI: String,
        user: String,
        scopes: [String] = []
    ) throws(EmulatorControlError) -> String {
        guard !user.isEmpty else { throw .invalidArgument("user must not be empty") }
        return try self.state.mintCode(flow: flow, appID: appID, redirectURI: redirectURI, user: user, scopes: scopes)
    }

    /// The identity the emulator gives the user called `name` (advertiser ids, open_id, TTCM account id).
    public func user(named name: String) -> EmulatedUser {
        self.state.users.user(named: name)
    }

    // MARK: Tokens

    /// External revocation (e.g. the advertiser removed the app): ends the grant of `accessToken` and/or every grant
    /// of `user`. Their access and refresh tokens stop working.
    /// - Returns: the number of grants ended.
    @discardableResult
    public func revokeTokens(accessToken: String? = nil, user: String? = nil) -> Int {
        let count = self.state.authorizations.revokeExternally(accessToken: accessToken, user: user)
        self.state.logger.debug("grants revoked externally", metadata: ["tiktok.grants": "\(count)"])
        return count
    }

    // MARK: Faults

    /// The faults currently injected.
    public var faults: EmulatorFaults { self.state.faults.faults }

    /// Replaces the injected faults (and restarts their seeded sequence).
    /// - Throws: ``EmulatorControlError/Kind/invalidArgument`` when a rate is outside `0...1` or they add up to more
    ///   than 1.
    public func setFaults(_ faults: EmulatorFaults) throws(EmulatorControlError) {
        try faults.validate()
        self.state.faults.set(faults)
    }

    /// Stops injecting faults.
    public func clearFaults() {
        self.state.faults.set(.none)
    }

    // MARK: Settings

    /// The current run-time settings.
    public var settings: EmulatorSettings { self.state.settings }

    /// Changes run-time settings atomically:
    /// `try control.updateSettings { $0.rotateRefreshTokens = true }`.
    /// - Throws: ``EmulatorControlError/Kind/invalidArgument`` when a lifetime or the QPS limit is not positive (the
    ///   settings are then unchanged), or what `update` throws.
    public func updateSettings(_ update: (inout EmulatorSettings) throws -> Void) throws {
        try self.state.updateSettings(update)
    }

    // MARK: Counters

    /// What the emulator has counted so far.
    public var counters: EmulatorCounters { self.state.counters.snapshot }

    /// Sets every counter back to zero.
    public func resetCounters() {
        self.state.counters.reset()
    }
}
