import Foundation

/// How many proxied calls one caller made with one connection on one day (UTC): the audit trail's record of proxy
/// use, counted rather than logged call by call.
public struct ProxyUsage: Sendable, Hashable {
    /// The connection whose token the calls used.
    public var connectionID: String
    /// The day, `YYYY-MM-DD` in UTC.
    public var day: String
    /// Who called (as ``AuditEntry/actor``).
    public var actor: String
    /// Calls forwarded to TikTok.
    public var calls: Int
    /// Of those, calls that TikTok (or the vault) answered with an error.
    public var errors: Int

    /// Creates a count.
    public init(connectionID: String, day: String, actor: String, calls: Int, errors: Int = 0) {
        self.connectionID = connectionID
        self.day = day
        self.actor = actor
        self.calls = calls
        self.errors = errors
    }

    /// The UTC day of `date`, `YYYY-MM-DD`.
    public static func day(of date: Date) -> String {
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        let civil = CivilDate(daysSinceEpoch: days)
        return String(format: "%04d-%02d-%02d", civil.year, civil.month, civil.day)
    }
}

/// A proleptic Gregorian date from days since 1970-01-01 (Howard Hinnant's algorithm), so that day keys need no
/// calendar or formatter.
struct CivilDate {
    var year: Int
    var month: Int
    var day: Int

    init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }
}
