import Foundation
import Testing
import TikTokBusinessService
import TikTokConnectionsServer

/// The service's settings, in-process: bad values stop it with a clear message naming the variable, never echoing a
/// secret.
@Suite("Settings")
struct SettingsTests {
    @Test func badSettingsAreRefusedWithAClearMessage() throws {
        let cases: [([String: String], String)] = [
            (
                ["TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS": "20"],
                "TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS must be at least 70"
            ),
            (
                ["TIKTOK_REQUEST_TIMEOUT_SECONDS": "5", "TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS": "30"],
                "TIKTOK_BUSINESS_REFRESH_LEASE_SECONDS must be at least 32"
            ),
            (
                ["TIKTOK_BUSINESS_REFRESH_MARGIN_SECONDS": "soon"],
                "TIKTOK_BUSINESS_REFRESH_MARGIN_SECONDS must be a number"
            ),
            (
                ["TIKTOK_REQUEST_TIMEOUT_SECONDS": "0"],
                "TIKTOK_REQUEST_TIMEOUT_SECONDS must be a number of seconds from 1"
            ),
            (
                ["TIKTOK_BUSINESS_DATABASE_MAX_CONNECTIONS": "5"],
                "TIKTOK_BUSINESS_DATABASE_MAX_CONNECTIONS applies only to a PostgreSQL"
            ),
            (
                [
                    "TIKTOK_BUSINESS_DATABASE_URL": "postgres://u@127.0.0.1:1/db",
                    "TIKTOK_BUSINESS_DATABASE_WAIT_TIMEOUT_SECONDS": "-1",
                ],
                "TIKTOK_BUSINESS_DATABASE_WAIT_TIMEOUT_SECONDS must be a number of seconds"
            ),
            (["TIKTOK_BUSINESS_WEBHOOK_URL": "https://hooks.example/in"], "TIKTOK_BUSINESS_WEBHOOK_SECRET is required"),
            (
                ["TIKTOK_BUSINESS_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
                "TIKTOK_BUSINESS_WEBHOOK_URL is not"
            ),
            (
                [
                    "TIKTOK_BUSINESS_WEBHOOK_URL": "https://hooks.example/in",
                    "TIKTOK_BUSINESS_WEBHOOK_SECRET": "whsec_c2VjcmV0LXRvby1zaG9ydA==",
                ],
                "TIKTOK_BUSINESS_WEBHOOK_URL / _SECRET"
            ),
            (
                ["TIKTOK_BUSINESS_RATE_LIMIT_PER_MINUTE": "-1"],
                "TIKTOK_BUSINESS_RATE_LIMIT_PER_MINUTE must be an integer"
            ),
            (["TIKTOK_BUSINESS_RATE_LIMIT_BURST": "0"], "TIKTOK_BUSINESS_RATE_LIMIT_BURST must be an integer from 1"),
            (["TIKTOK_BUSINESS_TRUSTED_PROXY_HOPS": "yes"], "TIKTOK_BUSINESS_TRUSTED_PROXY_HOPS must be an integer"),
            (
                ["TIKTOK_BUSINESS_EVENT_RETENTION_DAYS": "90d"],
                "TIKTOK_BUSINESS_EVENT_RETENTION_DAYS must be an integer"
            ),
            (["TIKTOK_BUSINESS_METRICS_PUBLIC": "maybe"], "TIKTOK_BUSINESS_METRICS_PUBLIC must be 1 or 0"),
            (["TIKTOK_BUSINESS_HTTP_IDLE_TIMEOUT_SECONDS": "0"], "TIKTOK_BUSINESS_HTTP_IDLE_TIMEOUT_SECONDS must be"),
        ]
        for (environment, message) in cases {
            var environment = environment
            environment["TIKTOK_BUSINESS_DATABASE_URL"] =
                environment["TIKTOK_BUSINESS_DATABASE_URL"]
                ?? "sqlite:///tmp/settings-test/connections.sqlite"
            do {
                let settings = try ServiceTestSupport.settings(environment)
                _ = try ServiceRunner.webhookConfiguration(settings)
                Issue.record("\(environment) was accepted")
            } catch let error as SettingsError {
                #expect(error.description.contains(message), "\(environment): \(error)")
                #expect(!error.description.contains("c2VjcmV0LXRvby1zaG9ydA"), "a secret is echoed: \(error)")
            }
        }
    }

    @Test func strangerAndRetentionSettingsHaveSafeDefaults() throws {
        let defaults = try ServiceTestSupport.settings([:])
        #expect(defaults.rateLimits.connect.perMinute == 30 && defaults.rateLimits.connect.burst == 10)
        #expect(defaults.rateLimits.callback == defaults.rateLimits.connect)
        #expect(defaults.rateLimits.signIn.perMinute == 5 && defaults.rateLimits.trustedProxyHops == 0)
        #expect(defaults.eventRetention == TimeInterval(90 * 86_400))
        #expect(!defaults.metricsPublic)
        #expect(defaults.httpIdleTimeout == 60 && defaults.httpHeaderTimeout == 10)

        let set = try ServiceTestSupport.settings([
            "TIKTOK_BUSINESS_RATE_LIMIT_PER_MINUTE": "0", "TIKTOK_BUSINESS_RATE_LIMIT_BURST": "50",
            "TIKTOK_BUSINESS_SIGN_IN_LIMIT_PER_MINUTE": "2", "TIKTOK_BUSINESS_TRUSTED_PROXY_HOPS": "1",
            "TIKTOK_BUSINESS_EVENT_RETENTION_DAYS": "0", "TIKTOK_BUSINESS_METRICS_PUBLIC": "1",
            "TIKTOK_BUSINESS_HTTP_IDLE_TIMEOUT_SECONDS": "120", "TIKTOK_BUSINESS_HTTP_HEADER_TIMEOUT_SECONDS": "5",
        ])
        #expect(!set.rateLimits.connect.isOn && !set.rateLimits.callback.isOn)
        #expect(set.rateLimits.signIn.perMinute == 2 && set.rateLimits.signIn.burst == 2)
        #expect(set.rateLimits.trustedProxyHops == 1)
        #expect(set.eventRetention == nil, "0 keeps every event")
        #expect(set.metricsPublic)
        #expect(set.httpIdleTimeout == 120 && set.httpHeaderTimeout == 5)
    }

    @Test func keySettings() throws {
        let settings = try ServiceTestSupport.settings([
            "TIKTOK_BUSINESS_KEY_FILE": "/run/secrets/keys", "TIKTOK_BUSINESS_KEY_RELOAD_SECONDS": "3",
        ])
        #expect(settings.keyFile == "/run/secrets/keys" && settings.keyReloadInterval == 3)
        #expect(try ServiceTestSupport.settings([:]).keyReloadInterval == 10)
        #expect(throws: SettingsError.self) {
            try ServiceTestSupport.settings(["TIKTOK_BUSINESS_KEY_RELOAD_SECONDS": "0"])
        }
    }
}
