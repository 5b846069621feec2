import Logging
import Testing
import TikTokBusiness
import TikTokBusinessService

/// Inputs the `settings` fuzz target (Fuzz/, scripts/fuzz.sh) found, kept as tests.
@Suite("Fuzz regressions: settings")
struct SettingsFuzzRegressionTests {
    /// `TIKTOK_BUSINESS_PORT=65535` made the sandbox port default to 65536: the banner and the SDK pointed at a port
    /// that cannot exist while the emulator listened on a random one. With no port above it, there is no default, and
    /// sandbox mode asks for `TIKTOK_BUSINESS_SANDBOX_PORT`.
    @Test func theHighestPortLeavesNoSandboxPortAboveIt() throws {
        let settings = try ServiceTestSupport.settings(["TIKTOK_BUSINESS_PORT": "65535"])
        #expect(settings.port == 65_535)
        #expect(settings.sandboxPort == 0)
        let explicit = try ServiceTestSupport.settings([
            "TIKTOK_BUSINESS_PORT": "65535", "TIKTOK_BUSINESS_SANDBOX_PORT": "65534",
        ])
        #expect(explicit.sandboxPort == 65_534)
    }

    /// `TIKTOK_RATE_LIMIT_QPS=inf` and `=1e-10` were accepted and then trapped when the start built the TikTok client
    /// (the rate governor's burst and interval did not fit an integer).
    @Test(arguments: ["inf", "1e-10", "1e300"])
    func extremeRatesNeverTrapTheStart(rate: String) throws {
        let settings = try ServiceTestSupport.settings([
            "TIKTOK_APP_ID": "app-1", "TIKTOK_APP_SECRET": "secret", "TIKTOK_RATE_LIMIT_QPS": rate,
        ])
        let client = VaultEnvironment.makeClient(
            settings: settings, sandboxBaseURL: nil, logger: Logger(label: "tiktok-business.test"))
        #expect(client.configuration.rateGovernor?.burst ?? 0 >= 1)
    }
}
