import Crypto
import Foundation

/// A webhook signing secret in the Standard Webhooks form `whsec_<base64>`, and the signatures it makes.
///
/// A signature is `v1,` followed by the base64 of HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, keyed
/// with the decoded secret; receivers verify it with any Standard Webhooks library. The secret never appears in
/// descriptions, logs or errors.
public struct WebhookSecret: Sendable, CustomStringConvertible {
    /// The prefix of the textual form.
    public static let prefix = "whsec_"

    private let key: SymmetricKey

    /// Parses `whsec_<base64>`; the decoded key must be 24 to 64 bytes, as Standard Webhooks requires.
    ///
    /// - Throws: ``WebhookConfigurationError`` when the text is not such a secret (the message never repeats it).
    public init(_ text: String) throws(WebhookConfigurationError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(Self.prefix) else {
            throw WebhookConfigurationError("The webhook secret must start with whsec_ (the Standard Webhooks form).")
        }
        guard let bytes = Base64.decode(String(trimmed.dropFirst(Self.prefix.count))) else {
            throw WebhookConfigurationError("The webhook secret after whsec_ is not valid base64.")
        }
        guard (24...64).contains(bytes.count) else {
            throw WebhookConfigurationError("The webhook secret must decode to 24 to 64 bytes, not \(bytes.count).")
        }
        self.key = SymmetricKey(data: bytes)
    }

    /// A new random secret (32 bytes) in textual form.
    public static func generate() -> String { prefix + Base64.encode(RandomID.randomBytes(32)) }

    /// The `webhook-signature` header value for a message: `v1,<base64 HMAC-SHA256>`.
    public func signature(id: String, timestamp: Int64, body: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Self.signedContent(id, timestamp, body), using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Whether `header` (one or more space-separated `v1,<signature>` entries) holds a valid signature of the message.
    /// Compared in constant time.
    public func verify(header: String, id: String, timestamp: Int64, body: Data) -> Bool {
        let message = Self.signedContent(id, timestamp, body)
        for entry in header.split(separator: " ") {
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let mac = Data(base64Encoded: String(parts[1])) else { continue }
            if HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message, using: key) { return true }
        }
        return false
    }

    public var description: String { "WebhookSecret(redacted)" }

    /// What is signed: `{id}.{timestamp}.{body}`.
    private static func signedContent(_ id: String, _ timestamp: Int64, _ body: Data) -> Data {
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        return content
    }
}

/// A webhook setting that cannot be used.
public struct WebhookConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, never the secret itself.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
