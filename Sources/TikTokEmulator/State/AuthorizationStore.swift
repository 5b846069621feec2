import Synchronization

/// What the account-flow token endpoints hand out.
struct IssuedAccountTokens: Sendable {
    let accessToken: String
    let expiresIn: Int
    let refreshToken: String
    let refreshTokenExpiresIn: Int
    let openID: String
    let scopes: [String]
    /// Whether a rotated-out refresh token was accepted within the grace period.
    var usedGrace = false
}

/// What an advertiser-flow grant holds.
struct AdvertiserGrant: Sendable {
    let accessToken: String
    let appID: String
    let user: EmulatedUser
    let scopeIDs: [Int]
}

/// A valid access token and what it grants.
struct AuthenticatedToken: Sendable {
    let flow: AuthorizationFlow
    let appID: String
    let user: EmulatedUser
    let scopes: [String]
    let scopeIDs: [Int]
}

/// Authorization codes, grants, access tokens and refresh tokens, with O(1) lookups by token under one lock.
///
/// A grant is one authorization of one app by one user: an advertiser grant has a single never-expiring access token;
/// an account grant has a refresh token (rotating or not), a refresh deadline anchored to the original grant, and the
/// access tokens issued from it (each valid until its own expiry).
///
/// Every change to grants or tokens (not codes) calls `onChange` after the lock is released, so that a state file can
/// be written later; ``snapshot()`` copies the grants and access tokens under the lock in O(1) (copy on write) and
/// converts them outside; both are ``ShardedDictionary``s, so the changes that follow a snapshot each copy one small
/// bucket rather than the whole store under the lock.
final class AuthorizationStore: Sendable {
    fileprivate struct Code {
        let flow: AuthorizationFlow
        let appID: String
        let redirectURI: String
        let user: EmulatedUser
        let scopes: [String]
        let scopeIDs: [Int]
        let expiresAt: Double
    }

    fileprivate struct Grant {
        let flow: AuthorizationFlow
        let appID: String
        let user: EmulatedUser
        let scopes: [String]
        let scopeIDs: [Int]
        let refreshDeadline: Double?
        var refreshToken: String?
        /// The refresh token the last rotation retired, and when: accepted within the grace period after that.
        var previousRefreshToken: String? = nil
        var previousRefreshTokenRetiredAt: Double = 0
        var accessTokens: [String]
    }

    fileprivate struct AccessToken {
        let grantID: UInt64
        let expiresAt: Double?
    }

    fileprivate struct State {
        var codes: [String: Code] = [:]
        /// Sharded: the snapshot shares them, and the next change copies one bucket, not every grant or token.
        var grants = ShardedDictionary<UInt64, Grant>()
        var accessTokens = ShardedDictionary<String, AccessToken>()
        var refreshTokens: [String: UInt64] = [:]
        var grantsByUser: [String: Set<UInt64>] = [:]
        var nextGrantID: UInt64 = 1
        var codesSinceSweep = 0

        mutating func addGrant(_ grant: Grant) -> UInt64 {
            let id = self.nextGrantID
            self.nextGrantID += 1
            self.grants[id] = grant
            self.grantsByUser[grant.user.name, default: []].insert(id)
            return id
        }

        mutating func removeGrant(_ id: UInt64) {
            guard let grant = self.grants.removeValue(forKey: id) else { return }
            for token in grant.accessTokens {
                self.accessTokens.removeValue(forKey: token)
            }
            if let refreshToken = grant.refreshToken {
                self.refreshTokens.removeValue(forKey: refreshToken)
            }
            if let previous = grant.previousRefreshToken {
                self.refreshTokens.removeValue(forKey: previous)
            }
            self.grantsByUser[grant.user.name]?.remove(id)
            if self.grantsByUser[grant.user.name]?.isEmpty == true {
                self.grantsByUser.removeValue(forKey: grant.user.name)
            }
        }
    }

    /// How many access tokens a grant keeps answering for (older ones become unknown, i.e. 40105).
    private static let accessTokensKeptPerGrant = 8
    /// How many codes are minted between two sweeps of expired codes.
    private static let codeSweepInterval = 1024

    private let state: Mutex<State>
    private let onChange: @Sendable () -> Void

    /// Creates an empty store.
    /// - Parameter onChange: called after every change to grants or tokens, outside the lock.
    init(onChange: @escaping @Sendable () -> Void = {}) {
        self.state = Mutex(State())
        self.onChange = onChange
    }

    /// Mints a single-use authorization code.
    func mintCode(
        flow: AuthorizationFlow,
        appID: String,
        redirectURI: String,
        user: EmulatedUser,
        scopes: [String],
        scopeIDs: [Int],
        now: Double,
        lifetime: Int
    ) -> String {
        let code = TokenFactory.authorizationCode()
        let record = Code(
            flow: flow,
            appID: appID,
            redirectURI: redirectURI,
            user: user,
            scopes: scopes,
            scopeIDs: scopeIDs,
            expiresAt: now + Double(lifetime)
        )
        self.state.withLock { state in
            state.codes[code] = record
            state.codesSinceSweep += 1
            if state.codesSinceSweep >= Self.codeSweepInterval {
                state.codesSinceSweep = 0
                state.codes = state.codes.filter { $0.value.expiresAt > now }
            }
        }
        return code
    }

    /// Exchanges an advertiser-flow code (40110 when unknown, used, expired, of another app or of the account flow).
    func exchangeAdvertiserCode(_ code: String, appID: String, now: Double) throws(APIError) -> AdvertiserGrant {
        let accessToken = TokenFactory.advertiserAccessToken()
        let grant = try self.state.withLock { state throws(APIError) in
            guard let record = state.codes[code], record.flow == .advertiser, record.appID == appID else {
                throw APIError.invalidAuthCode
            }
            guard now < record.expiresAt else {
                state.codes.removeValue(forKey: code)
                throw APIError.invalidAuthCode
            }
            state.codes.removeValue(forKey: code)
            let grantID = state.addGrant(
                Grant(
                    flow: .advertiser,
                    appID: appID,
                    user: record.user,
                    scopes: [],
                    scopeIDs: record.scopeIDs,
                    refreshDeadline: nil,
                    refreshToken: nil,
                    accessTokens: [accessToken]
                )
            )
            state.accessTokens[accessToken] = AccessToken(grantID: grantID, expiresAt: nil)
            return AdvertiserGrant(accessToken: accessToken, appID: appID, user: record.user, scopeIDs: record.scopeIDs)
        }
        self.onChange()
        return grant
    }

    /// Exchanges an account-flow code: 40110 when the code is not usable, 40002 when `redirectURI` differs from the
    /// one the code was issued for (the code stays usable then).
    func exchangeAccountCode(
        _ code: String,
        appID: String,
        redirectURI: String,
        now: Double,
        settings: EmulatorSettings
    ) throws(APIError) -> IssuedAccountTokens {
        let accessToken = TokenFactory.accountAccessToken()
        let refreshToken = TokenFactory.refreshToken()
        let tokens = try self.state.withLock { state throws(APIError) in
            guard let record = state.codes[code], record.flow == .account, record.appID == appID else {
                throw APIError.invalidAuthCode
            }
            guard now < record.expiresAt else {
                state.codes.removeValue(forKey: code)
                throw APIError.invalidAuthCode
            }
            guard record.redirectURI == redirectURI else {
                throw APIError.invalid("redirect_uri", "Does not match the redirect_uri of the authorization request.")
            }
            state.codes.removeValue(forKey: code)
            let deadline = now + Double(settings.refreshTokenLifetime)
            let grantID = state.addGrant(
                Grant(
                    flow: .account,
                    appID: appID,
                    user: record.user,
                    scopes: record.scopes,
                    scopeIDs: [],
                    refreshDeadline: deadline,
                    refreshToken: refreshToken,
                    accessTokens: [accessToken]
                )
            )
            state.accessTokens[accessToken] = AccessToken(
                grantID: grantID,
                expiresAt: now + Double(settings.accessTokenLifetime)
            )
            state.refreshTokens[refreshToken] = grantID
            return IssuedAccountTokens(
                accessToken: accessToken,
                expiresIn: settings.accessTokenLifetime,
                refreshToken: refreshToken,
                refreshTokenExpiresIn: settings.refreshTokenLifetime,
                openID: record.user.openID,
                scopes: record.scopes
            )
        }
        self.onChange()
        return tokens
    }

    /// Issues a new access token from a refresh token (40110 when unknown, rotated out, revoked, of another app or past
    /// the grant's refresh deadline). The refresh deadline never moves; the refresh token rotates only when
    /// `settings.rotateRefreshTokens`.
    ///
    /// With a positive `settings.refreshTokenGracePeriod`, the token the last rotation retired stays accepted for that
    /// many seconds after its rotation (the setting in force when it is used counts): using it issues a new access
    /// token and answers with the grant's current refresh token, without rotating again, as if the client had retried
    /// the request whose answer it lost. Such an answer has `usedGrace`.
    func refresh(
        _ refreshToken: String,
        appID: String,
        now: Double,
        settings: EmulatorSettings
    ) throws(APIError) -> IssuedAccountTokens {
        let accessToken = TokenFactory.accountAccessToken()
        let rotatedRefreshToken = settings.rotateRefreshTokens ? TokenFactory.refreshToken() : nil
        let issued = try self.state.withLock { state throws(APIError) in
            guard let grantID = state.refreshTokens[refreshToken], var grant = state.grants[grantID],
                grant.appID == appID, let deadline = grant.refreshDeadline
            else {
                throw APIError.invalidRefreshToken
            }
            var usedGrace = false
            if refreshToken != grant.refreshToken {
                // A rotated-out token: accepted only within its grace period.
                guard refreshToken == grant.previousRefreshToken,
                    now < grant.previousRefreshTokenRetiredAt + Double(settings.refreshTokenGracePeriod)
                else {
                    throw APIError.invalidRefreshToken
                }
                usedGrace = true
            }
            guard now < deadline else { throw APIError.invalidRefreshToken }
            state.accessTokens[accessToken] = AccessToken(
                grantID: grantID,
                expiresAt: now + Double(settings.accessTokenLifetime)
            )
            grant.accessTokens.append(accessToken)
            if grant.accessTokens.count > Self.accessTokensKeptPerGrant {
                let dropped = grant.accessTokens.removeFirst()
                state.accessTokens.removeValue(forKey: dropped)
            }
            if !usedGrace, let rotatedRefreshToken {
                // Only the last retired token is remembered (for the grace period); older ones are forgotten.
                if let previous = grant.previousRefreshToken {
                    state.refreshTokens.removeValue(forKey: previous)
                }
                grant.previousRefreshToken = refreshToken
                grant.previousRefreshTokenRetiredAt = now
                state.refreshTokens[rotatedRefreshToken] = grantID
                grant.refreshToken = rotatedRefreshToken
            }
            state.grants[grantID] = grant
            var tokens = IssuedAccountTokens(
                accessToken: accessToken,
                expiresIn: settings.accessTokenLifetime,
                refreshToken: grant.refreshToken ?? refreshToken,
                refreshTokenExpiresIn: max(0, Int((deadline - now).rounded(.down))),
                openID: grant.user.openID,
                scopes: grant.scopes
            )
            tokens.usedGrace = usedGrace
            return tokens
        }
        self.onChange()
        return issued
    }

    /// The grant behind a valid access token: 40105 when unknown or revoked, 40102 when expired.
    func authenticate(_ accessToken: String, now: Double) throws(APIError) -> AuthenticatedToken {
        try self.state.withLock { state throws(APIError) in
            guard let record = state.accessTokens[accessToken], let grant = state.grants[record.grantID] else {
                throw APIError.tokenInvalid
            }
            if let expiresAt = record.expiresAt, now >= expiresAt {
                throw APIError.tokenExpired
            }
            return AuthenticatedToken(
                flow: grant.flow,
                appID: grant.appID,
                user: grant.user,
                scopes: grant.scopes,
                scopeIDs: grant.scopeIDs
            )
        }
    }

    /// Revokes the whole grant of `accessToken` (expired tokens included) when it is a `flow` token of `appID`;
    /// 40105 otherwise.
    func revoke(accessToken: String, appID: String, flow: AuthorizationFlow) throws(APIError) -> AuthenticatedToken {
        let revoked = try self.state.withLock { state throws(APIError) in
            guard let record = state.accessTokens[accessToken], let grant = state.grants[record.grantID],
                grant.flow == flow, grant.appID == appID
            else {
                throw APIError.tokenInvalid
            }
            state.removeGrant(record.grantID)
            return AuthenticatedToken(
                flow: grant.flow,
                appID: grant.appID,
                user: grant.user,
                scopes: grant.scopes,
                scopeIDs: grant.scopeIDs
            )
        }
        self.onChange()
        return revoked
    }

    /// External revocation: the grant of `accessToken` and/or every grant of the user named `user`. Returns how many
    /// grants ended.
    func revokeExternally(accessToken: String?, user: String?) -> Int {
        let count = self.state.withLock { state in
            var grantIDs = Set<UInt64>()
            if let accessToken, let record = state.accessTokens[accessToken] {
                grantIDs.insert(record.grantID)
            }
            if let user, let userGrants = state.grantsByUser[user] {
                grantIDs.formUnion(userGrants)
            }
            for grantID in grantIDs {
                state.removeGrant(grantID)
            }
            return grantIDs.count
        }
        if count > 0 {
            self.onChange()
        }
        return count
    }

    // MARK: Persistence

    /// Every grant and the grant id counter. The lock is held only to copy the grants and access tokens (O(1), copy
    /// on write; later changes copy single buckets of them).
    func snapshot() -> Snapshot {
        let (grantsByID, accessTokens, nextGrantID) = self.state.withLock {
            ($0.grants, $0.accessTokens, $0.nextGrantID)
        }
        let grants = grantsByID.elements.sorted { $0.key < $1.key }.map { id, grant in
            PersistedGrant(
                id: id,
                flow: grant.flow.rawValue,
                appID: grant.appID,
                user: PersistedUser(grant.user),
                scopes: grant.scopes,
                scopeIDs: grant.scopeIDs,
                refreshDeadline: grant.refreshDeadline,
                refreshToken: grant.refreshToken,
                previousRefreshToken: grant.previousRefreshToken,
                previousRefreshTokenRetiredAt: grant.previousRefreshTokenRetiredAt,
                accessTokens: grant.accessTokens.map { token in
                    PersistedAccessToken(token: token, expiresAt: accessTokens[token]?.expiresAt)
                }
            )
        }
        return Snapshot(nextGrantID: nextGrantID, grants: grants)
    }

    /// Replaces every grant and token with those of `snapshot` (before the emulator serves; codes are dropped).
    /// - Throws: ``InvalidPersistedState`` when `snapshot` is inconsistent (duplicate ids or tokens, unknown flows);
    ///   the store is then unchanged.
    func restore(_ snapshot: Snapshot) throws(InvalidPersistedState) {
        let restored = try State(restoring: snapshot)
        self.state.withLock { $0 = restored }
    }
}

extension AuthorizationStore.State {
    /// The state holding `snapshot`'s grants, with every index rebuilt.
    fileprivate init(restoring snapshot: AuthorizationStore.Snapshot) throws(InvalidPersistedState) {
        self.init()
        for persisted in snapshot.grants {
            guard let flow = AuthorizationFlow(rawValue: persisted.flow) else {
                throw InvalidPersistedState("grant \(persisted.id) has an unknown flow \(persisted.flow)")
            }
            guard persisted.id < snapshot.nextGrantID else {
                throw InvalidPersistedState("grant id \(persisted.id) is not below nextGrantID \(snapshot.nextGrantID)")
            }
            guard self.grants[persisted.id] == nil else {
                throw InvalidPersistedState("grant id \(persisted.id) appears twice")
            }
            guard flow == .advertiser || persisted.refreshDeadline != nil else {
                throw InvalidPersistedState("account grant \(persisted.id) has no refresh deadline")
            }
            for token in persisted.accessTokens {
                guard self.accessTokens[token.token] == nil else {
                    throw InvalidPersistedState("an access token of grant \(persisted.id) appears twice")
                }
                self.accessTokens[token.token] = AuthorizationStore.AccessToken(
                    grantID: persisted.id, expiresAt: token.expiresAt)
            }
            for refreshToken in [persisted.refreshToken, persisted.previousRefreshToken].compactMap({ $0 }) {
                guard self.refreshTokens[refreshToken] == nil else {
                    throw InvalidPersistedState("a refresh token of grant \(persisted.id) appears twice")
                }
                self.refreshTokens[refreshToken] = persisted.id
            }
            let user = persisted.user.user
            self.grants[persisted.id] = AuthorizationStore.Grant(
                flow: flow,
                appID: persisted.appID,
                user: user,
                scopes: persisted.scopes,
                scopeIDs: persisted.scopeIDs,
                refreshDeadline: persisted.refreshDeadline,
                refreshToken: persisted.refreshToken,
                previousRefreshToken: persisted.previousRefreshToken,
                previousRefreshTokenRetiredAt: persisted.previousRefreshTokenRetiredAt,
                accessTokens: persisted.accessTokens.map(\.token)
            )
            self.grantsByUser[user.name, default: []].insert(persisted.id)
        }
        self.nextGrantID = snapshot.nextGrantID
    }
}
