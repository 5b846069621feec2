import Synchronization

/// A fault chosen for one `/open_api` call.
enum InjectedFault: Sendable, Equatable {
    /// Sleep this many seconds, then answer normally.
    case timeout(seconds: Double)
    /// HTTP 500 with a JSON envelope.
    case http500
    /// HTTP 504 with an HTML gateway page.
    case gateway504
    /// HTTP 200 with code 50002.
    case code50002
    /// HTTP 200 with code 50000.
    case code50000
    /// HTTP 200 with code 40100.
    case code40100
    /// Close the connection without an answer, before the call is processed.
    case dropConnection

    /// The fault's name in ``EmulatorCounters/faultsByKind`` and in the control API.
    var kind: String {
        switch self {
        case .timeout: "timeout"
        case .http500: "http_500"
        case .gateway504: "non_json_504"
        case .code50002: "code_50002"
        case .code50000: "code_50000"
        case .code40100: "code_40100"
        case .dropConnection: "drop_connection"
        }
    }
}

/// Draws faults from the configured rates with a generator seeded by the emulator seed.
final class FaultInjector: Sendable {
    private struct State {
        var faults: EmulatorFaults
        var normalizedPaths: [String]?
        var random: SplitMix64
    }

    private let state: Mutex<State>
    private let seed: UInt64
    private let active = Atomic<Bool>(false)

    init(seed: UInt64) {
        self.seed = seed
        self.state = Mutex(State(faults: .none, normalizedPaths: nil, random: SplitMix64(seed: seed, "faults")))
    }

    var faults: EmulatorFaults { self.state.withLock { $0.faults } }

    /// Replaces the fault set and restarts the seeded sequence, so the same settings give the same draws.
    func set(_ faults: EmulatorFaults) {
        self.state.withLock {
            $0.faults = faults
            $0.normalizedPaths = faults.paths?.map(Self.normalize)
            $0.random = SplitMix64(seed: self.seed, "faults")
        }
        self.active.store(faults != .none, ordering: .relaxed)
    }

    /// The latency to add and the fault (if any) for a call to `apiPath` (e.g. `/campaign/get/`).
    ///
    /// The fault comes from one draw; the latency, when ``EmulatorFaults/latencyRate`` is below 1, and its jitter
    /// from draws of their own after it (so a fault set without them draws exactly as it always did).
    func draw(for apiPath: String) -> (latencyMilliseconds: Int, fault: InjectedFault?) {
        guard self.active.load(ordering: .relaxed) else { return (0, nil) }
        return self.state.withLock { state in
            if let paths = state.normalizedPaths, !paths.contains(where: { apiPath.hasSuffix($0) }) {
                return (0, nil)
            }
            let faults = state.faults
            let roll = state.random.unit()
            var threshold = 0.0
            let bands: [(Double, InjectedFault)] = [
                (faults.timeoutRate, .timeout(seconds: faults.timeoutSeconds)),
                (faults.http500Rate, .http500),
                (faults.nonJSON504Rate, .gateway504),
                (faults.code50002Rate, .code50002),
                (faults.code50000Rate, .code50000),
                (faults.code40100Rate, .code40100),
                (faults.dropConnectionRate, .dropConnection),
            ]
            var drawn: InjectedFault?
            for (rate, fault) in bands where rate > 0 {
                threshold += rate
                if roll < threshold {
                    drawn = fault
                    break
                }
            }
            var latency = 0
            if faults.latencyMilliseconds > 0 || faults.latencyJitterMilliseconds > 0 {
                let delayed = faults.latencyRate >= 1 || state.random.unit() < faults.latencyRate
                if delayed {
                    latency = faults.latencyMilliseconds
                    if faults.latencyJitterMilliseconds > 0 {
                        latency += state.random.inRange(0...faults.latencyJitterMilliseconds)
                    }
                }
            }
            return (latency, drawn)
        }
    }

    /// `refresh_token` → `/refresh_token/`; `/a/b` → `/a/b/`; a full `/open_api/v1.3/…` path loses its prefix.
    static func normalize(_ path: String) -> String {
        var path = path
        if path.hasPrefix("/open_api/v1.3/") { path.removeFirst("/open_api/v1.3".count) }
        if !path.hasPrefix("/") { path = "/" + path }
        if !path.hasSuffix("/") { path += "/" }
        return path
    }
}
