/// A token sealed by ``TokenCipher``: the key id and the AES-256-GCM box (nonce, ciphertext, tag).
///
/// Its text form, `v1.<kid>.<base64 box>`, is what stores keep. It reveals nothing of the token but its length.
public struct SealedToken: Sendable, Hashable, CustomStringConvertible {
    /// The id of the key that sealed it.
    public var keyID: String
    /// Nonce, ciphertext and tag, combined.
    public var box: [UInt8]

    /// Creates a sealed token.
    public init(keyID: String, box: [UInt8]) {
        self.keyID = keyID
        self.box = box
    }

    /// Parses the text form; `nil` when it is not one.
    public init?(text: String) {
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", !parts[1].isEmpty,
            let box = Base64.decode(String(parts[2]))
        else { return nil }
        self.keyID = String(parts[1])
        self.box = box
    }

    /// The text form, `v1.<kid>.<base64 box>`.
    public var text: String { "v1.\(keyID).\(Base64.encode(box))" }

    public var description: String { "SealedToken(kid: \(keyID), \(box.count) bytes)" }
}
