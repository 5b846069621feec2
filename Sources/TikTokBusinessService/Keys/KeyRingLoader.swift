import Foundation
import Logging
import TikTokConnections

/// Loads the token key ring at start: `TIKTOK_BUSINESS_KEYS`, else a key file (`TIKTOK_BUSINESS_KEY_FILE`, or `keys`
/// beside a SQLite database).
///
/// A key lost is every token sealed with it lost, so:
/// - a key file that exists is read, or the start fails naming the file and what is wrong; it is never replaced
///   (only `keys rotate` rewrites it);
/// - a new key is generated only when the file does not exist **and** the database holds no sealed token;
/// - every key id the database's tokens are sealed with must be in the ring, or the start fails naming the ids.
public enum KeyRingLoader {
    /// The key file these settings name (`nil` when keys come from the environment and no file is configured, or
    /// the database has no local folder).
    public static func keyFilePath(settings: ServiceSettings, directory: String?) -> String? {
        if let file = settings.keyFile { return file }
        return directory.map { $0 + "/keys" }
    }

    /// Reads and checks the key ring.
    public static func load(settings: ServiceSettings, keyFile: String?, store: any ConnectionStore, logger: Logger)
        async throws -> TokenCipher
    {
        let cipher: TokenCipher
        let source: String
        if let keys = settings.keys {
            do {
                cipher = try TokenCipher(keyRing: keys)
            } catch {
                throw SettingsError("TIKTOK_BUSINESS_KEYS is not a valid key ring: \(Self.reason(error))")
            }
            source = "TIKTOK_BUSINESS_KEYS"
        } else {
            guard let keyFile else {
                throw SettingsError(
                    "TIKTOK_BUSINESS_KEYS or TIKTOK_BUSINESS_KEY_FILE is required with a database that has no local "
                        + "folder.")
            }
            cipher = try await loadOrCreate(keyFile, store: store, logger: logger)
            source = "the key file \(keyFile)"
        }
        try await verifyCovers(cipher, source: source, store: store)
        return cipher
    }

    /// Reads the key file at `path`: its ring, or `nil` when the file does not exist. A file that exists but cannot
    /// be read or parsed throws.
    public static func read(_ path: String) throws -> TokenCipher? {
        switch try SecretFile.read(path, what: "The key file") {
        case .missing:
            return nil
        case .text(let text):
            do {
                return try TokenCipher(keyRing: text)
            } catch {
                throw SettingsError(
                    "The key file \(path) is not a valid key ring (\(Self.reason(error))). Restore it from a backup; "
                        + "it is never replaced.")
            }
        }
    }

    private static func loadOrCreate(_ path: String, store: any ConnectionStore, logger: Logger) async throws
        -> TokenCipher
    {
        for _ in 0..<3 {
            if let ring = try read(path) { return ring }
            let sealed = try await sealedCounts(store)
            guard sealed.isEmpty else {
                throw SettingsError(
                    "The key file \(path) does not exist, but the database holds tokens sealed with "
                        + "\(describe(sealed)). Restore the key file (or set TIKTOK_BUSINESS_KEYS / "
                        + "TIKTOK_BUSINESS_KEY_FILE to where it is); a new key is never generated over sealed tokens.")
            }
            let key = try TokenCipher.Key.generate(id: "k" + String(Int(Date().timeIntervalSince1970)))
            if try SecretFile.create(key.exported + "\n", at: path) {
                logger.notice("Generated a new token encryption key", metadata: ["tiktok_business.key_file": "\(path)"])
                return try TokenCipher(keys: [key])
            }
            // Another process created the file first: use its key.
        }
        throw SettingsError("The key file \(path) keeps changing; is another process rewriting it?")
    }

    /// Throws unless `cipher` has every key that sealed a stored token.
    static func verifyCovers(_ cipher: TokenCipher, source: String, store: any ConnectionStore) async throws {
        let sealed = try await sealedCounts(store)
        let missing = sealed.filter { id, _ in !cipher.keys.contains { $0.id == id } }
        guard missing.isEmpty else {
            throw SettingsError(
                "The database holds tokens sealed with \(describe(missing)), not in \(source) (which has "
                    + "\(cipher.keys.map(\.id).joined(separator: ", "))). Put the missing key back; a key leaves the "
                    + "ring only after `tiktok-business keys rotate` reports that no token uses it.")
        }
    }

    static func sealedCounts(_ store: any ConnectionStore) async throws -> [String: Int] {
        do {
            return try await store.sealedTokenCounts()
        } catch {
            throw SettingsError("The database could not be read to check the key ring: \(error)")
        }
    }

    /// `key k1 (3 tokens), key k2 (1 token)`.
    static func describe(_ counts: [String: Int]) -> String {
        counts.sorted { $0.key < $1.key }.map { "key \($0.key) (\($0.value) token\($0.value == 1 ? "" : "s"))" }
            .joined(separator: ", ")
    }

    static func reason(_ error: any Error) -> String {
        (error as? TokenCipherError)?.message ?? "\(type(of: error))"
    }
}
