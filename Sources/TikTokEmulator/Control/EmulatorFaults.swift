/// Faults the emulator injects into `/open_api` calls, to exercise a client's retries and error handling.
///
/// Rates are probabilities in `0...1`, drawn from a generator seeded by the emulator seed, so a run is reproducible as
/// long as requests arrive in the same order. At most one fault is injected per call (timeout, then HTTP 500, then
/// non-JSON 504, then 50002, 50000, 40100, then a dropped connection). Latency is drawn on its own: by default it is
/// added to every matching call; with ``latencyRate`` below 1 it is a fault of its own, on that share of the calls.
public struct EmulatorFaults: Sendable, Hashable {
    /// Probability of an HTTP 500 (with a JSON envelope, code 50000).
    public var http500Rate: Double
    /// Probability of an HTTP 504 with an HTML gateway page instead of JSON.
    public var nonJSON504Rate: Double
    /// Probability of HTTP 200 with code 50002.
    public var code50002Rate: Double
    /// Probability of HTTP 200 with code 50000.
    public var code50000Rate: Double
    /// Probability of HTTP 200 with code 40100 (rate limited).
    public var code40100Rate: Double
    /// Probability that the emulator closes the TCP connection without answering and without processing the call:
    /// the client sees the connection closed before a response, not an HTTP status.
    public var dropConnectionRate: Double
    /// Milliseconds added before answering a matching call (every one, unless ``latencyRate`` is below 1).
    public var latencyMilliseconds: Int
    /// Probability that a matching call is delayed by ``latencyMilliseconds`` (plus jitter). Default 1: every call.
    /// Drawn independently of the other faults, so it does not count toward their sum.
    public var latencyRate: Double
    /// Up to this many milliseconds more (uniformly drawn) on a delayed call. Default 0.
    public var latencyJitterMilliseconds: Int
    /// Probability that the call sleeps ``timeoutSeconds`` and only then is processed and answered normally (the
    /// client has usually given up by then, but the server-side effect, e.g. a rotated refresh token, happened).
    public var timeoutRate: Double
    /// The sleep of a simulated timeout, in seconds. Default 30.
    public var timeoutSeconds: Double
    /// When set, faults apply only to API paths ending with one of these (e.g. `/tt_user/oauth2/refresh_token/`).
    public var paths: [String]?

    /// Creates a fault set; everything defaults to "no fault".
    public init(
        http500Rate: Double = 0,
        nonJSON504Rate: Double = 0,
        code50002Rate: Double = 0,
        code50000Rate: Double = 0,
        code40100Rate: Double = 0,
        dropConnectionRate: Double = 0,
        latencyMilliseconds: Int = 0,
        latencyRate: Double = 1,
        latencyJitterMilliseconds: Int = 0,
        timeoutRate: Double = 0,
        timeoutSeconds: Double = 30,
        paths: [String]? = nil
    ) {
        self.http500Rate = http500Rate
        self.nonJSON504Rate = nonJSON504Rate
        self.code50002Rate = code50002Rate
        self.code50000Rate = code50000Rate
        self.code40100Rate = code40100Rate
        self.dropConnectionRate = dropConnectionRate
        self.latencyMilliseconds = latencyMilliseconds
        self.latencyRate = latencyRate
        self.latencyJitterMilliseconds = latencyJitterMilliseconds
        self.timeoutRate = timeoutRate
        self.timeoutSeconds = timeoutSeconds
        self.paths = paths
    }

    /// No faults.
    public static let none = EmulatorFaults()

    /// Throws unless every rate is in `0...1`, the sum of the fault rates (latency aside) is at most 1 and durations
    /// are not negative.
    func validate() throws(EmulatorControlError) {
        let rates = [
            ("http_500_rate", self.http500Rate), ("non_json_504_rate", self.nonJSON504Rate),
            ("code_50002_rate", self.code50002Rate), ("code_50000_rate", self.code50000Rate),
            ("code_40100_rate", self.code40100Rate), ("drop_connection_rate", self.dropConnectionRate),
            ("timeout_rate", self.timeoutRate),
        ]
        for (name, rate) in rates + [("latency_rate", self.latencyRate)] where !(0...1).contains(rate) {
            throw .invalidArgument("\(name) must be between 0 and 1")
        }
        if rates.map(\.1).reduce(0, +) > 1.000_001 {
            throw .invalidArgument("the fault rates must add up to at most 1")
        }
        if self.latencyMilliseconds < 0 {
            throw .invalidArgument("latency_ms must not be negative")
        }
        if self.latencyJitterMilliseconds < 0 {
            throw .invalidArgument("latency_jitter_ms must not be negative")
        }
        if !(self.timeoutSeconds >= 0) {
            throw .invalidArgument("timeout_seconds must not be negative")
        }
    }
}
