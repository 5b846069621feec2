/// A proleptic Gregorian calendar date in UTC, with the conversions the emulator needs (no `DateFormatter`, no locale).
struct CivilDate: Sendable, Hashable, Comparable {
    let year: Int
    let month: Int
    let day: Int

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date of a day number (days since 1970-01-01).
    init(dayNumber: Int) {
        // Howard Hinnant's civil_from_days.
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    /// Parses `YYYY-MM-DD`; `nil` for anything else or an impossible date.
    init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        self.init(year: year, month: month, day: day)
        guard CivilDate(dayNumber: self.dayNumber) == self else { return nil }
    }

    /// Days since 1970-01-01.
    var dayNumber: Int {
        // Howard Hinnant's days_from_civil.
        let y = self.month <= 2 ? self.year - 1 : self.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = self.month > 2 ? self.month - 3 : self.month + 9
        let doy = (153 * mp + 2) / 5 + self.day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `YYYY-MM-DD`.
    var iso: String {
        "\(Self.pad(self.year, 4))-\(Self.pad(self.month, 2))-\(Self.pad(self.day, 2))"
    }

    static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        lhs.dayNumber < rhs.dayNumber
    }

    /// `YYYY-MM-DD HH:MM:SS` for a unix time.
    static func timestamp(unixSeconds: Int) -> String {
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let seconds = unixSeconds - days * 86_400
        return
            "\(CivilDate(dayNumber: days).iso) \(self.pad(seconds / 3600, 2)):\(self.pad(seconds / 60 % 60, 2)):\(self.pad(seconds % 60, 2))"
    }

    /// `yyyyMMddHHmmss` for a unix time.
    static func compactTimestamp(unixSeconds: Int) -> String {
        let days = unixSeconds / 86_400
        let seconds = unixSeconds - days * 86_400
        let date = CivilDate(dayNumber: days)
        return "\(self.pad(date.year, 4))\(self.pad(date.month, 2))\(self.pad(date.day, 2))"
            + "\(self.pad(seconds / 3600, 2))\(self.pad(seconds / 60 % 60, 2))\(self.pad(seconds % 60, 2))"
    }

    /// Zero-pads a non-negative integer to `width` digits.
    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
