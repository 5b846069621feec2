/// The durable state of an emulator as written to its state file (JSON): grants with their access and refresh tokens
/// (including the refresh-token rotation grace bookkeeping), the grant id counter, remembered consents and the emulated
/// clock's offset.
///
/// Not persisted: authorization codes, consent screens in progress, scripted consents, faults, counters and run-time
/// settings (they start again from the configuration).
struct PersistedEmulatorState: Codable, Sendable, Equatable {
    /// The value of ``format``: identifies an emulator state file.
    static let formatName = "tiktok-emulator-state"
    /// The format version this emulator writes and reads.
    static let currentVersion = 1

    /// Always ``formatName``.
    var format: String = Self.formatName
    /// The format version; a reader refuses versions it does not know.
    var version: Int = Self.currentVersion
    /// Milliseconds the emulated clock runs ahead of real time.
    var clockOffsetMilliseconds: Int
    /// Grants, their tokens and the next grant id.
    var authorizations: AuthorizationStore.Snapshot
    /// Remembered account-flow approvals.
    var approvals: [ConsentStore.Approval]

    /// The first fields of any version, decoded before the rest so that an unknown version is reported as such.
    struct Header: Decodable {
        var format: String
        var version: Int
    }
}

extension AuthorizationStore {
    /// Every grant and the grant id counter.
    struct Snapshot: Codable, Sendable, Equatable {
        var nextGrantID: UInt64
        var grants: [PersistedGrant]
    }

    /// A grant as persisted: the grant, its access tokens (oldest first) and its refresh tokens.
    struct PersistedGrant: Codable, Sendable, Equatable {
        var id: UInt64
        var flow: String
        var appID: String
        var user: PersistedUser
        var scopes: [String]
        var scopeIDs: [Int]
        var refreshDeadline: Double?
        var refreshToken: String?
        var previousRefreshToken: String?
        var previousRefreshTokenRetiredAt: Double
        var accessTokens: [PersistedAccessToken]
    }

    /// An access token and its expiry on the emulated clock (`nil`: never).
    struct PersistedAccessToken: Codable, Sendable, Equatable {
        var token: String
        var expiresAt: Double?
    }

    /// A user's identity as it was when the grant was made (kept even if the seed changes).
    struct PersistedUser: Codable, Sendable, Equatable {
        var name: String
        var displayName: String
        var username: String
        var advertiserIDs: [String]
        var openID: String
        var ttoTCMAccountID: String

        init(_ user: EmulatedUser) {
            self.name = user.name
            self.displayName = user.displayName
            self.username = user.username
            self.advertiserIDs = user.advertiserIDs
            self.openID = user.openID
            self.ttoTCMAccountID = user.ttoTCMAccountID
        }

        var user: EmulatedUser {
            EmulatedUser(
                name: self.name,
                displayName: self.displayName,
                username: self.username,
                advertiserIDs: self.advertiserIDs,
                openID: self.openID,
                ttoTCMAccountID: self.ttoTCMAccountID
            )
        }
    }
}

extension ConsentStore {
    /// The scopes `user` approved for `appID` (account flow), which let later authorizations skip the consent screen.
    struct Approval: Codable, Sendable, Equatable {
        var appID: String
        var user: String
        var scopes: [String]
    }
}
