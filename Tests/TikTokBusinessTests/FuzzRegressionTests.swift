import Testing
import TikTokBusiness

/// Inputs the fuzz targets (Fuzz/, scripts/fuzz.sh) found, kept as tests.
@Suite("Fuzz regressions: SDK")
struct SDKFuzzRegressionTests {
    /// Any positive rate makes a governor: a rate too high for an integer burst, or too low for a nanosecond interval,
    /// trapped (found through `TIKTOK_RATE_LIMIT_QPS` by the `settings` target).
    @Test(arguments: [Double.infinity, 1e300, 1e-10, .leastNonzeroMagnitude])
    func extremeRatesMakeAGovernor(rate: Double) async throws {
        let governor = RateGovernor(requestsPerSecond: rate)
        #expect(governor.burst >= 1)
        if rate >= 1 {
            try await governor.acquire()
            try await governor.acquire()
        }
    }
}
