/// The longest values the vault stores from its callers (in UTF-8 bytes). Anything longer is refused with
/// ``ConnectionError/Code/valueTooLong`` and nothing is stored, so no caller, anonymous or not, can grow a row
/// without bound.
public enum InputLimits {
    /// An end user id. 1,024 bytes: 256 characters of any script (the HTTP API's own limit is 256 characters).
    public static let endUserID = 1_024
    /// A `redirect_after` URL. 2,048 bytes.
    public static let redirectAfter = 2_048
    /// A connection id named by a request (reconnect links). 128 bytes.
    public static let connectionID = 128
    /// A whole OAuth callback query string (code, state, scopes, error description). 8 KiB.
    public static let callbackQuery = 8 * 1_024

    /// Throws ``ConnectionError/Code/valueTooLong`` when `value` is longer than `limit` bytes.
    public static func check(_ value: String?, named name: String, limit: Int) throws(ConnectionError) {
        guard let value, value.utf8.count > limit else { return }
        throw ConnectionError(.valueTooLong, "\(name) is longer than \(limit) bytes.")
    }
}
