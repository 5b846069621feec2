import Crypto
import Foundation

/// Seals tokens for storage with AES-256-GCM under a key ring.
///
/// The first key seals; every key opens, so keys can be rotated: add a new key at the front, run
/// ``ConnectionManager/rotateKeys(batchSize:concurrency:progress:)`` to re-seal everything under it, then drop the old
/// key.
/// Each box is bound to its connection and field by associated data, so a sealed value copied to another row or
/// column does not open.
public struct TokenCipher: Sendable {
    /// A key with its id.
    public struct Key: Sendable {
        /// The key id, stored beside each box (letters, digits, `-` and `_`).
        public var id: String
        let key: SymmetricKey

        /// Creates a key from 32 raw bytes.
        public init(id: String, bytes: [UInt8]) throws {
            guard bytes.count == 32 else {
                throw TokenCipherError("Key \(id) must be 32 bytes (AES-256), got \(bytes.count).")
            }
            guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw TokenCipherError("A key id must be letters, digits, - or _.")
            }
            self.id = id
            self.key = SymmetricKey(data: bytes)
        }

        /// A new random key.
        public static func generate(id: String) throws -> Key {
            try Key(id: id, bytes: RandomID.randomBytes(32))
        }

        /// The key as `kid:base64`, the form ``TokenCipher/init(keyRing:)`` reads. Handle with care.
        public var exported: String {
            "\(id):" + key.withUnsafeBytes { Data($0).base64EncodedString() }
        }
    }

    /// Which token of a connection a box holds.
    public enum Field: String, Sendable {
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
    }

    /// The keys; the first seals.
    public let keys: [Key]

    /// The id of the key that seals.
    public var currentKeyID: String { keys[0].id }

    /// Creates a cipher over a non-empty key ring with distinct ids.
    public init(keys: [Key]) throws {
        guard !keys.isEmpty else { throw TokenCipherError("The key ring is empty.") }
        guard Set(keys.map(\.id)).count == keys.count else { throw TokenCipherError("Key ids must be distinct.") }
        self.keys = keys
    }

    /// Parses `kid:base64key[,kid:base64key…]` (the `TIKTOK_BUSINESS_KEYS` form); the first key is current.
    public init(keyRing: String) throws {
        let entries = keyRing.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let keys = try entries.map { entry -> Key in
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let bytes = Base64.decode(String(parts[1])) else {
                throw TokenCipherError("A key must be written kid:base64key.")
            }
            return try Key(id: String(parts[0]), bytes: bytes)
        }
        try self.init(keys: keys)
    }

    /// Seals `token` for `field` of connection `connectionID` under the current key.
    public func seal(_ token: String, connectionID: String, field: Field) throws -> SealedToken {
        let key = keys[0]
        do {
            let box = try AES.GCM.seal(
                Data(token.utf8), using: key.key,
                authenticating: Self.associatedData(keyID: key.id, connectionID: connectionID, field: field))
            guard let combined = box.combined else { throw TokenCipherError("Could not combine the sealed box.") }
            return SealedToken(keyID: key.id, box: [UInt8](combined))
        } catch let error as TokenCipherError {
            throw error
        } catch {
            throw TokenCipherError("Sealing failed.")
        }
    }

    /// Opens a sealed token of `field` of connection `connectionID`.
    ///
    /// - Throws: ``TokenCipherError`` when the key is unknown or the box does not authenticate (tampered, or sealed
    ///   for another connection or field).
    public func open(_ sealed: SealedToken, connectionID: String, field: Field) throws -> String {
        guard let key = keys.first(where: { $0.id == sealed.keyID }) else {
            throw TokenCipherError("No key \(sealed.keyID) in the key ring.")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.box)
            let plain = try AES.GCM.open(
                box, using: key.key,
                authenticating: Self.associatedData(keyID: key.id, connectionID: connectionID, field: field))
            guard let text = String(bytes: plain, encoding: .utf8) else {
                throw TokenCipherError("The sealed token is not text.")
            }
            return text
        } catch let error as TokenCipherError {
            throw error
        } catch {
            throw TokenCipherError("The sealed \(field.rawValue) of \(connectionID) did not authenticate.")
        }
    }

    private static func associatedData(keyID: String, connectionID: String, field: Field) -> Data {
        Data("tiktok-business/v1|\(keyID)|\(connectionID)|\(field.rawValue)".utf8)
    }
}

/// A key ring or sealing failure. Never contains key bytes or tokens.
public struct TokenCipherError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { "TokenCipherError: \(message)" }
}
