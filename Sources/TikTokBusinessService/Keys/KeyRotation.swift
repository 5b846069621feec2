import Foundation
import TikTokConnections

/// `tiktok-business keys rotate`, safe while instances run.
///
/// With a key file:
/// 1. a new key is generated and added last to the file, and it waits until every running instance reports holding
///    it (they re-read the file every `TIKTOK_BUSINESS_KEY_RELOAD_SECONDS` and on SIGHUP): from then on every
///    instance can open what the new key seals. If one does not in time, it stops there (nothing sealed with the
///    new key yet);
/// 2. the new key is moved first in the file (the old keys stay, so every token stays readable), and it waits until
///    every running instance reports sealing with it;
/// 3. it re-seals every token under the new key, twice (the second pass catches a write that was in flight);
/// 4. it drops an old key from the file only when the database holds no token sealed with it and no running instance
///    seals with it; otherwise it keeps the key and says why.
///
/// Step 1 comes first because instances adopt a new file at different moments: one that sealed a refreshed token with
/// the new key while another had not read it yet would leave the other unable to open that token (a proxied call
/// answered 500 `token_unreadable`, found by the multi-instance test).
///
/// With `TIKTOK_BUSINESS_KEYS` (which running instances cannot re-read): the new key must already be first in the
/// variable of every running instance (checked), it re-seals, then it reports which old keys no token uses any more:
/// only those may be removed from the variable.
public struct KeyRotation: Sendable {
    /// What a rotation did.
    public struct Report: Sendable {
        /// The key tokens are sealed with now.
        public var currentKeyID: String
        /// Connections re-sealed.
        public var resealed: Int
        /// Old keys no token uses any more (dropped from a key file; with `TIKTOK_BUSINESS_KEYS`, safe to remove).
        public var retiredKeyIDs: [String]
        /// Old keys kept, with the reason.
        public var keptKeys: [(id: String, reason: String)]
    }

    let environment: VaultEnvironment
    let output: @Sendable (String) -> Void
    /// How long to wait for running instances to adopt the new key.
    var instanceWait: Duration
    /// How recent an instance's report must be for it to count as running.
    var liveness: TimeInterval

    /// Creates a rotation over an open vault.
    public init(environment: VaultEnvironment, output: @escaping @Sendable (String) -> Void) {
        self.environment = environment
        self.output = output
        let interval = environment.settings.keyReloadInterval
        self.instanceWait = .seconds(3 * interval + 5)
        self.liveness = 2 * interval + 5
    }

    /// Runs the rotation.
    public func run() async throws -> Report {
        let manager = environment.manager
        let oldKeys = manager.cipher.keys.map(\.id)
        let currentID: String
        if let keyFile = environment.keyFile {
            // A fresh id: a key made in the same second (the ring's first key, or a rotation run twice quickly) must
            // never be replaced by one of the same id, which would leave its tokens unreadable.
            let stem = "k" + String(Int(Date().timeIntervalSince1970))
            let taken = Set(manager.cipher.keys.map(\.id))
            var id = stem
            var suffix = 1
            while taken.contains(id) {
                suffix += 1
                id = "\(stem)-\(suffix)"
            }
            let key = try TokenCipher.Key.generate(id: id)
            let others = manager.cipher.keys.filter { $0.id != key.id }
            // Every write below leaves every token readable: a crash at any later step loses nothing.
            let staged = try TokenCipher(keys: others + [key])
            try SecretFile.write(Self.text(staged), to: keyFile)
            manager.useKeyRing(staged)
            output("Added key \(key.id) to \(keyFile); waiting for running instances to load it…")
            try await waitForInstances(holding: key.id)
            let ring = try TokenCipher(keys: [key] + others)
            try SecretFile.write(Self.text(ring), to: keyFile)
            manager.useKeyRing(ring)
            currentID = key.id
            output("Made key \(key.id) current; waiting for running instances to seal with it…")
            try await waitForInstances(sealingWith: currentID)
        } else {
            currentID = manager.cipher.currentKeyID
            let stale = try await staleInstances(sealingWith: currentID)
            guard stale.isEmpty else {
                throw SettingsError(
                    "Running instances seal with another key than \(currentID) (the first key of "
                        + "TIKTOK_BUSINESS_KEYS here): \(Self.describe(stale)). Restart every instance with the new "
                        + "TIKTOK_BUSINESS_KEYS (new key first, old keys after it) before rotating.")
            }
        }
        output("Re-encrypting tokens under key \(currentID)…")
        var resealed = try await manager.rotateKeys(batchSize: 500) { done in
            output("… \(done) connections re-encrypted")
        }
        // A write sealed under an old key just before an instance adopted the new ring may land after the first
        // pass: let such writes finish, then pass again.
        try await Task.sleep(for: .seconds(2))
        resealed += try await manager.rotateKeys(batchSize: 500)

        let counts = try await environment.store.sealedTokenCounts()
        let stale = try await staleInstances(sealingWith: currentID)
        var retired: [String] = []
        var kept: [(id: String, reason: String)] = []
        for id in oldKeys where id != currentID {
            if let count = counts[id], count > 0 {
                kept.append((id, "\(count) token\(count == 1 ? "" : "s") still sealed with it"))
            } else if let instance = stale.first(where: { $0.sealingKeyID == id }) {
                kept.append((id, "instance \(instance.id) still seals with it"))
            } else if !stale.isEmpty {
                kept.append((id, "instances \(Self.describe(stale)) have not adopted key \(currentID)"))
            } else {
                retired.append(id)
            }
        }
        if let keyFile = environment.keyFile, !retired.isEmpty {
            let ring = try TokenCipher(keys: manager.cipher.keys.filter { !retired.contains($0.id) })
            try SecretFile.write(Self.text(ring), to: keyFile)
        }
        return Report(currentKeyID: currentID, resealed: resealed, retiredKeyIDs: retired, keptKeys: kept)
    }

    /// Waits until every running instance holds `keyID`; throws if one does not in time (the key is then in the
    /// file but not current, and nothing is sealed with it).
    func waitForInstances(holding keyID: String) async throws {
        let deadline = ContinuousClock.now + instanceWait
        while true {
            let since = environment.manager.now().addingTimeInterval(-liveness)
            let lacking = try await environment.store.instances(seenSince: since).filter { !$0.keyIDs.contains(keyID) }
            if lacking.isEmpty { return }
            guard ContinuousClock.now < deadline else {
                throw SettingsError(
                    "Instances have not loaded key \(keyID) from the key file: \(Self.describe(lacking)). It was added "
                        + "to the file but not made current; nothing is sealed with it. Check that they read the same "
                        + "file, then run `tiktok-business keys rotate` again.")
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    func waitForInstances(sealingWith keyID: String) async throws {
        let deadline = ContinuousClock.now + instanceWait
        while true {
            let stale = try await staleInstances(sealingWith: keyID)
            if stale.isEmpty { return }
            guard ContinuousClock.now < deadline else {
                output(
                    "Instances still seal with an old key: \(Self.describe(stale)); the old key stays in the file "
                        + "until they adopt \(keyID).")
                return
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Running instances (reported recently) that seal with another key.
    func staleInstances(sealingWith keyID: String) async throws -> [VaultInstance] {
        let since = environment.manager.now().addingTimeInterval(-liveness)
        return try await environment.store.instances(seenSince: since).filter { $0.sealingKeyID != keyID }
    }

    static func text(_ ring: TokenCipher) -> String {
        ring.keys.map(\.exported).joined(separator: ",") + "\n"
    }

    static func describe(_ instances: [VaultInstance]) -> String {
        instances.map { "\($0.id) (key \($0.sealingKeyID))" }.joined(separator: ", ")
    }
}
