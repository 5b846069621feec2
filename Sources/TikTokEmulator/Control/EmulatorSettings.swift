/// The settings of a running emulator that can change at run time (``EmulatorControl/updateSettings(_:)``,
/// `POST /_emulator/config`). They start from ``TikTokEmulatorConfiguration``.
public struct EmulatorSettings: Sendable, Hashable {
    /// Whether consent URLs redirect at once with an approval.
    public var autoConsent: Bool
    /// Lifetime in seconds of account/creator access tokens.
    public var accessTokenLifetime: Int
    /// Lifetime in seconds of refresh tokens, from the original grant (applies to grants made afterwards).
    public var refreshTokenLifetime: Int
    /// Whether each refresh rotates the refresh token.
    public var rotateRefreshTokens: Bool
    /// Seconds for which a refresh token retired by a rotation is still accepted (0: not at all).
    public var refreshTokenGracePeriod: Int
    /// Lifetime in seconds of authorization codes.
    public var authCodeLifetime: Int
    /// Calls per app per second on `/open_api`, or `nil` for unlimited.
    public var qpsLimit: Int?

    init(configuration: TikTokEmulatorConfiguration) {
        self.autoConsent = configuration.autoConsent
        self.accessTokenLifetime = configuration.accessTokenLifetime
        self.refreshTokenLifetime = configuration.refreshTokenLifetime
        self.rotateRefreshTokens = configuration.rotateRefreshTokens
        self.refreshTokenGracePeriod = configuration.refreshTokenGracePeriod
        self.authCodeLifetime = configuration.authCodeLifetime
        self.qpsLimit = configuration.qpsLimit
    }

    /// Throws unless every lifetime and the QPS limit are positive and the grace period is not negative.
    func validate() throws(EmulatorControlError) {
        if self.refreshTokenGracePeriod < 0 {
            throw .invalidArgument("refresh_token_grace must not be negative")
        }
        for (name, value) in [
            ("access_token_lifetime", self.accessTokenLifetime),
            ("refresh_token_lifetime", self.refreshTokenLifetime),
            ("auth_code_lifetime", self.authCodeLifetime),
        ] where value <= 0 {
            throw .invalidArgument("\(name) must be positive")
        }
        if let qpsLimit = self.qpsLimit, qpsLimit <= 0 {
            throw .invalidArgument("qps_limit must be positive (or null for unlimited)")
        }
    }
}
