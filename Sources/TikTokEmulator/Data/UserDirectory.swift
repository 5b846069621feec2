/// Derives every emulated user's identity from the seed and the user's name.
struct UserDirectory: Sendable {
    let seed: UInt64

    /// The identity of the user called `name`; the same name always gets the same ids.
    func user(named name: String) -> EmulatedUser {
        var random = SplitMix64(seed: self.seed, "user", name)
        let advertiserIDs = (0..<2).map { _ in "7" + random.digits(18, leadingNonZero: false) }
        let openID = "_000" + random.hex(32)
        let tcmAccountID = "7" + random.digits(18, leadingNonZero: false)
        return EmulatedUser(
            name: name,
            displayName: Self.displayName(for: name),
            username: Self.username(for: name),
            advertiserIDs: advertiserIDs,
            openID: openID,
            ttoTCMAccountID: tcmAccountID
        )
    }

    /// "advertiser-12" → "Advertiser 12".
    private static func displayName(for name: String) -> String {
        let words = name.split { $0 == "-" || $0 == "_" || $0 == "." || $0 == " " }
        guard !words.isEmpty else { return name }
        return words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }

    /// "Advertiser 12" → "advertiser_12".
    private static func username(for name: String) -> String {
        let mapped = name.lowercased().unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "a"..."z", "0"..."9", ".", "_": Character(scalar)
            default: "_"
            }
        }
        return String(mapped)
    }
}
