/// The identity of an emulated TikTok user, derived deterministically from the emulator seed and the user name: the
/// same name always gets the same ids.
public struct EmulatedUser: Sendable, Hashable {
    /// The name typed on the consent page (or scripted).
    public let name: String
    /// The display name shown on the account.
    public let displayName: String
    /// The TikTok handle (without `@`).
    public let username: String
    /// The advertiser accounts the user manages (two 19-digit ids).
    public let advertiserIDs: [String]
    /// The account holder's `open_id`, sent later as `business_id`.
    public let openID: String
    /// The user's TikTok Creator Marketplace account id (19 digits).
    public let ttoTCMAccountID: String
}
