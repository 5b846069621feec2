import Foundation
import Logging
import TikTokBusiness

/// Options for an authorization link.
public struct AuthorizationLinkOptions: Sendable, Hashable {
    /// The app's id for the end user, recorded on the connection.
    public var endUserID: String?
    /// Re-authorize this connection in place (a reconnect link).
    public var reconnectConnectionID: String?
    /// Ask TikTok to show the consent screen again (`disable_auto_auth=1`, account-style kinds).
    public var forceConsent: Bool
    /// How long the link stays valid; default the configured ``ConnectionManager/Configuration/linkLifetime``.
    public var expiresIn: TimeInterval?
    /// Binds the state to a browser: the callback must present the same value (a cookie).
    public var browserBinding: String?
    /// Where the service sends the browser after the callback.
    public var redirectAfter: String?

    /// Creates options.
    public init(
        endUserID: String? = nil, reconnectConnectionID: String? = nil, forceConsent: Bool = false,
        expiresIn: TimeInterval? = nil, browserBinding: String? = nil, redirectAfter: String? = nil
    ) {
        self.endUserID = endUserID
        self.reconnectConnectionID = reconnectConnectionID
        self.forceConsent = forceConsent
        self.expiresIn = expiresIn
        self.browserBinding = browserBinding
        self.redirectAfter = redirectAfter
    }
}

/// An authorization URL to send to a user, with its state and expiry.
public struct AuthorizationLink: Sendable, Hashable {
    /// TikTok's authorization URL, ready to send.
    public var url: String
    /// The state it carries (≥ 256 bits). The vault keeps only its hash.
    public var state: String
    /// When it stops working.
    public var expiresAt: Date
}

/// The outcome of a completed authorization.
public struct AuthorizationResult: Sendable, Hashable {
    /// The connection created or re-authorized.
    public var connection: Connection
    /// Whether it is new.
    public var created: Bool
    /// Where the link asked the browser to go next.
    public var redirectAfter: String?
}

extension ConnectionManager {
    /// Issues an authorization URL for `kind` with a new single-use, expiring state.
    public func authorizationLink(for kind: ConnectionKind, options: AuthorizationLinkOptions = .init()) async throws
        -> AuthorizationLink
    {
        guard let redirectURI = configuration.redirectURIs[kind] else {
            throw ConnectionError(.invalidRequest, "No redirect URI is configured for \(kind).")
        }
        try InputLimits.check(options.endUserID, named: "end_user_id", limit: InputLimits.endUserID)
        try InputLimits.check(options.redirectAfter, named: "redirect_after", limit: InputLimits.redirectAfter)
        try InputLimits.check(
            options.reconnectConnectionID, named: "reconnect_connection_id", limit: InputLimits.connectionID)
        if let lifetime = options.expiresIn, !(lifetime > 0 && lifetime <= 90 * 86_400) {
            throw ConnectionError(.invalidRequest, "A link lifetime must be between 1 second and 90 days.")
        }
        if let id = options.reconnectConnectionID {
            let record = try await loadRecord(id: id)
            guard record.connection.kind == kind else {
                throw ConnectionError(
                    .invalidRequest, "Connection \(id) is a \(record.connection.kind) connection, not \(kind).",
                    connectionID: id)
            }
        }
        let state = RandomID.urlSafe(bytes: 32)
        let created = now()
        let expiresAt = created.addingTimeInterval(options.expiresIn ?? configuration.linkLifetime)
        let record = AuthorizationState(
            stateHash: Hashing.sha256Hex(state), kind: kind, redirectURI: redirectURI, endUserID: options.endUserID,
            reconnectConnectionID: options.reconnectConnectionID,
            browserBindingHash: options.browserBinding.map(Hashing.sha256Hex), forceConsent: options.forceConsent,
            redirectAfter: options.redirectAfter, createdAt: created, expiresAt: expiresAt)
        try await storeCall { try await self.store.insertState(record) }
        let url: String
        switch kind {
        case .advertiser, .tcmAccount:
            url = client.advertiserAuthorizationURL(state: state, redirectURI: redirectURI)
        case .tiktokAccount:
            url = client.accountAuthorizationURL(
                state: state, redirectURI: redirectURI, scopes: configuration.accountScopes,
                disableAutoAuth: options.forceConsent)
        case .creator:
            url = client.accountAuthorizationURL(
                state: state, redirectURI: redirectURI, scopes: configuration.creatorScopes,
                disableAutoAuth: options.forceConsent)
        }
        return AuthorizationLink(url: url, state: state, expiresAt: expiresAt)
    }

    /// Completes an authorization from TikTok's redirect: verifies the state, exchanges the code, stores the
    /// connection and records an event.
    ///
    /// A grant replaces an existing connection only when the link was a reconnect link for it, or when it is the same
    /// identity for the same end user: same kind, same end user id (`nil` only matching `nil`), and an advertiser id,
    /// TTCM account id or open id in common. Otherwise it is a new connection: in an agency several people authorize
    /// the same advertiser, and one person's grant never overwrites another's.
    ///
    /// Rejected states change nothing. A state is consumed before the exchange, so a replayed callback never reaches
    /// TikTok.
    public func completeAuthorization(
        kind: ConnectionKind, callback: AuthorizationCallback, browserBinding: String? = nil
    ) async throws -> AuthorizationResult {
        try await VaultTracing.completingCallback(kind: kind) {
            try await authorize(kind: kind, callback: callback, browserBinding: browserBinding)
        }
    }

    /// ``completeAuthorization(kind:callback:browserBinding:)``, inside the callback's span.
    private func authorize(
        kind: ConnectionKind, callback: AuthorizationCallback, browserBinding: String?
    ) async throws -> AuthorizationResult {
        let state = try await verifiedState(kind: kind, state: callback.state, browserBinding: browserBinding)
        let code: String
        let grantedScopes: [String]
        switch callback.outcome {
        case .denied(let error, let description):
            throw ConnectionError(
                .authorizationDenied, description.map { "\(error): \($0)" } ?? error)
        case .authorized(let authCode, let scopes):
            code = authCode
            grantedScopes = scopes
        }
        let tokens = try await VaultTracing.exchangingCode(kind: kind, reconnecting: state.reconnectConnectionID) {
            try await exchange(kind: kind, code: code, redirectURI: state.redirectURI)
        }
        return try await upsert(kind: kind, state: state, tokens: tokens, grantedScopes: grantedScopes)
    }

    /// Completes an authorization from the callback's raw query string.
    public func completeAuthorization(kind: ConnectionKind, query: String, browserBinding: String? = nil)
        async throws -> AuthorizationResult
    {
        try await VaultTracing.completingCallback(kind: kind) {
            try InputLimits.check(query, named: "The callback's query string", limit: InputLimits.callbackQuery)
            let callback: AuthorizationCallback
            do {
                callback = try AuthorizationCallback(query: query)
            } catch {
                throw ConnectionError(.malformedCallback, "\(error)")
            }
            return try await authorize(kind: kind, callback: callback, browserBinding: browserBinding)
        }
    }

    /// Checks a callback's state and consumes it. Distinct errors for each way it can be wrong.
    func verifiedState(kind: ConnectionKind, state: String, browserBinding: String?) async throws
        -> AuthorizationState
    {
        let hash = Hashing.sha256Hex(state)
        guard let record = try await storeCall({ try await self.store.state(hash: hash) }) else {
            throw ConnectionError(.unknownState, "This authorization link is not known.")
        }
        guard record.kind == kind else {
            throw ConnectionError(.kindMismatch, "This authorization link was issued for \(record.kind), not \(kind).")
        }
        guard record.consumedAt == nil else {
            throw ConnectionError(.stateReplayed, "This authorization link was already used.")
        }
        guard record.expiresAt > now() else {
            throw ConnectionError(.stateExpired, "This authorization link has expired.")
        }
        if let expected = record.browserBindingHash {
            guard let browserBinding, Hashing.constantTimeEquals(expected, Hashing.sha256Hex(browserBinding)) else {
                throw ConnectionError(.browserMismatch, "This authorization was started in another browser.")
            }
        }
        guard try await storeCall({ try await self.store.consumeState(hash: hash, now: self.now()) }) else {
            throw ConnectionError(.stateReplayed, "This authorization link was already used.")
        }
        return record
    }

    /// What an exchange produced, before it is stored.
    struct ExchangedTokens: Sendable {
        var accessToken: String
        var refreshToken: String?
        var accessTokenExpiresIn: Int?
        var refreshTokenExpiresIn: Int?
        var advertiserIDs: [String] = []
        var tcmAccountIDs: [String] = []
        var openID: String?
        var scopes: [String]
        /// Names TikTok gave the identities (looked up after the exchange; empty when the lookup failed).
        var names: [String: String] = [:]
        /// The account holder's avatar URL.
        var avatarURL: String?
    }

    func exchange(kind: ConnectionKind, code: String, redirectURI: String) async throws -> ExchangedTokens {
        do {
            switch kind {
            case .advertiser, .tcmAccount:
                let grant = try await client.exchangeAdvertiserAuthCode(code)
                noteTikTokOutcome(nil)
                var tokens = ExchangedTokens(
                    accessToken: grant.accessToken, advertiserIDs: grant.advertiserIDs,
                    scopes: grant.scope.map(String.init))
                if kind == .tcmAccount {
                    // The TTCM ids are a convenience; a failure here must not lose the token just obtained.
                    do {
                        tokens.tcmAccountIDs = try await client.tcmAccountIDs(accessToken: grant.accessToken)
                    } catch {
                        logger.warning(
                            "Could not list TTCM accounts after authorization; the liveness check will retry",
                            metadata: ["tiktok.error": "\(error)"])
                    }
                    tokens.names = await tcmAccountNames(
                        Array(tokens.tcmAccountIDs.prefix(5)), accessToken: grant.accessToken)
                } else {
                    tokens.names = await advertiserNames(accessToken: grant.accessToken)
                }
                return tokens
            case .tiktokAccount, .creator:
                let grant = try await client.exchangeAccountAuthCode(code, redirectURI: redirectURI)
                noteTikTokOutcome(nil)
                var tokens = ExchangedTokens(
                    accessToken: grant.accessToken, refreshToken: grant.refreshToken,
                    accessTokenExpiresIn: grant.expiresIn, refreshTokenExpiresIn: grant.refreshTokenExpiresIn,
                    openID: grant.openID, scopes: grant.scopes)
                if let profile = await accountProfile(openID: grant.openID, accessToken: grant.accessToken) {
                    tokens.names[grant.openID] = profile.displayName
                    tokens.avatarURL = profile.profileImage
                }
                return tokens
            }
        } catch let error as TikTokError {
            noteTikTokOutcome(error)
            throw ConnectionError(
                error.category.isRetryable ? .tikTokUnavailable : .exchangeFailed,
                "TikTok refused the authorization code exchange: \(error.message)", tikTokError: error)
        }
    }

    /// Stores an exchanged grant: onto the reconnect link's connection, onto the same end user's connection of this
    /// kind that shares an identity, or as a new connection.
    func upsert(kind: ConnectionKind, state: AuthorizationState, tokens: ExchangedTokens, grantedScopes: [String])
        async throws -> AuthorizationResult
    {
        let identities: [String]
        switch kind {
        case .advertiser: identities = tokens.advertiserIDs
        case .tcmAccount: identities = tokens.tcmAccountIDs.isEmpty ? tokens.advertiserIDs : tokens.tcmAccountIDs
        case .tiktokAccount, .creator: identities = tokens.openID.map { [$0] } ?? []
        }
        for _ in 0..<10 {
            let existingID: String?
            if let reconnect = state.reconnectConnectionID {
                existingID = reconnect
            } else if identities.isEmpty {
                existingID = nil
            } else {
                existingID = try await storeCall {
                    try await self.store.connectionID(kind: kind, endUserID: state.endUserID, matchingAnyOf: identities)
                }
            }
            let time = now()
            if let existingID, let existing = try await storeCall({ try await self.store.record(id: existingID) }) {
                var record = try apply(tokens, to: existing, state: state, grantedScopes: grantedScopes, at: time)
                let event = ConnectionEvent(
                    type: .connectionReauthorized, connectionID: record.id, occurredAt: time,
                    data: eventData(record.connection))
                record.nextActionAt = schedule.nextAction(for: record)
                if let stored = try await write(record, events: [event]) {
                    logger.info("Connection re-authorized", metadata: metadata(stored))
                    signalWork()
                    return AuthorizationResult(
                        connection: stored.connection, created: false, redirectAfter: state.redirectAfter)
                }
                continue
            }
            let id = "conn_" + RandomID.hex(bytes: 12)
            let blank = ConnectionRecord(
                connection: Connection(id: id, kind: kind, createdAt: time, updatedAt: time), accessToken: nil,
                refreshToken: nil, nextActionAt: nil)
            var record = try apply(tokens, to: blank, state: state, grantedScopes: grantedScopes, at: time)
            record.nextActionAt = schedule.nextAction(for: record)
            let event = ConnectionEvent(
                type: .connectionCreated, connectionID: id, occurredAt: time, data: eventData(record.connection))
            try await storeCall { try await self.store.insert(record, events: [event]) }
            record.version = 1
            notify([event])
            logger.info("Connection created", metadata: metadata(record))
            signalWork()
            return AuthorizationResult(connection: record.connection, created: true, redirectAfter: state.redirectAfter)
        }
        throw ConnectionError(.storeFailure, "The connection kept changing while it was being re-authorized.")
    }

    private func apply(
        _ tokens: ExchangedTokens, to existing: ConnectionRecord, state: AuthorizationState, grantedScopes: [String],
        at time: Date
    ) throws -> ConnectionRecord {
        var record = existing
        var connection = record.connection
        connection.status = .active
        connection.statusReason = nil
        connection.endUserID = state.endUserID ?? connection.endUserID
        connection.scopes = tokens.scopes.isEmpty ? grantedScopes : tokens.scopes
        connection.updatedAt = time
        connection.lastRefreshedAt = time
        switch connection.kind {
        case .advertiser, .tcmAccount:
            connection.advertiserIDs = tokens.advertiserIDs
            connection.tcmAccountIDs = tokens.tcmAccountIDs
            connection.lastCheckedAt = time
            connection.accessTokenExpiresAt = nil
            connection.refreshTokenExpiresAt = nil
        case .tiktokAccount, .creator:
            connection.openID = tokens.openID
            connection.accessTokenExpiresAt = tokens.accessTokenExpiresIn.map { time.addingTimeInterval(Double($0)) }
            connection.refreshTokenExpiresAt = tokens.refreshTokenExpiresIn.map { time.addingTimeInterval(Double($0)) }
        }
        connection.applyNames(tokens.names, keeping: connection.identities)
        if let avatar = tokens.avatarURL { connection.avatarURL = avatar }
        connection.failingSince = nil
        record.connection = connection
        record.accessToken = try seal(tokens.accessToken, connectionID: connection.id, field: .accessToken)
        record.refreshToken = try tokens.refreshToken.map {
            try seal($0, connectionID: connection.id, field: .refreshToken)
        }
        record.failureCount = 0
        record.warningsSent = []
        return record
    }

    func eventData(_ connection: Connection) -> [String: String] {
        var data = ["kind": connection.kind.rawValue, "status": connection.status.rawValue]
        if let endUser = connection.endUserID { data["end_user_id"] = endUser }
        if !connection.advertiserIDs.isEmpty {
            data["advertiser_ids"] = connection.advertiserIDs.joined(separator: ",")
        }
        if let openID = connection.openID { data["open_id"] = openID }
        if !connection.tcmAccountIDs.isEmpty {
            data["tto_tcm_account_ids"] = connection.tcmAccountIDs.joined(separator: ",")
        }
        return data
    }
}
