import Configuration
import Foundation
import Logging
import TikTokBusiness
import TikTokBusinessService
import TikTokConnections
import TikTokConnectionsPostgres

extension FuzzTarget {
    /// The service's settings, `ServiceSettings(reader:)`, from an in-memory provider holding the input's
    /// `NAME=value` lines (the environment variables of README.md's Configuration), then everything the service builds
    /// from accepted settings before it opens a database or a socket: the TikTok client (rate governor, timeout),
    /// the redirect URIs, the key ring, the webhook target, the PostgreSQL configuration, the sandbox URL.
    ///
    /// Invariants: bad values are `SettingsError`s, never crashes, and accepted settings never make the start trap;
    /// accepted ports are in 0…65535 and the public URL has a host.
    static let settings = FuzzTarget(
        name: "settings",
        summary: "the service's settings (ServiceSettings(reader:)) and what start builds from them",
        run: { bytes in
            var values: [AbsoluteConfigKey: ConfigValue] = [:]
            for line in bytes.text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty else { continue }
                values[AbsoluteConfigKey(ConfigKey(String(parts[0])))] = ConfigValue(
                    .string(String(parts[1])), isSecret: false)
            }
            let reader = ConfigReader(provider: InMemoryProvider(values: values))
            let settings: ServiceSettings
            do {
                settings = try ServiceSettings(reader: reader)
            } catch is SettingsError {
                return
            } catch {
                check(false, "settings threw \(type(of: error)), not a SettingsError")
                return
            }
            check((0...65_535).contains(settings.port), "port \(settings.port) was accepted")
            check((0...65_535).contains(settings.sandboxPort), "sandbox port \(settings.sandboxPort) was accepted")
            check(URLComponents(string: settings.publicURL)?.host != nil, "a public URL without a host was accepted")

            _ = VaultEnvironment.makeClient(settings: settings, sandboxBaseURL: nil, logger: quietLogger)
            _ = ConnectionManager.Configuration.redirectURIs(publicURL: settings.publicURL)
            _ = settings.identity
            _ = settings.sandboxBaseURL()
            _ = KeyRingLoader.keyFilePath(settings: settings, directory: ".")
            if let keys = settings.keys { _ = try? TokenCipher(keyRing: keys) }
            if let url = settings.webhookURL, let secret = settings.webhookSecret {
                _ = try? WebhookConfiguration(url: url, secret: secret)
            }
            if settings.databaseURL.hasPrefix("postgres://") || settings.databaseURL.hasPrefix("postgresql://") {
                _ = try? PostgresConnectionStore.Configuration(url: settings.databaseURL)
            }
        })
}
