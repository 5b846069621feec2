import Synchronization

/// An app-wide limit on requests per second, shared by every call made through one ``TikTokClient`` (and its copies).
///
/// TikTok limits calls per app, across all the advertisers and accounts the app serves, and answers 40100 past the
/// limit; the governor keeps the app under it. It is a token bucket (implemented as GCRA): `burst` calls may go at
/// once, then one every `1 / requestsPerSecond` seconds.
///
/// Beyond a plain bucket:
/// - **Priorities.** Calls that wait are granted in order, ``Priority/authorization`` calls (code exchanges, refreshes,
///   revokes) before any ``Priority/data`` call, so that data traffic can never starve the calls that keep tokens
///   alive.
/// - **A bounded wait.** With ``maximumWait``, a data call that would wait longer is refused at once with
///   ``RateBudgetExhausted`` (and its suggested retry delay) instead of queueing without end. Authorization calls
///   always wait their turn.
/// - **An adjustable rate.** ``setRate(_:)`` changes the rate while calls wait: several instances sharing one app's
///   budget each run at their share (see `QPSBudgetService` in TikTokConnections). A rate of zero holds every call
///   until the rate is raised (data calls for at most ``maximumWait``).
public final class RateGovernor: Sendable {
    /// Which calls go first when calls wait.
    public enum Priority: Sendable, Hashable {
        /// Authorization traffic: code exchanges, refreshes, revokes. Granted before any waiting data call, and never
        /// refused for waiting too long.
        case authorization
        /// Every other call.
        case data

        /// The priority of a call to `path`: TikTok's OAuth endpoints (`/oauth2/…`, `/tt_user/oauth2/…`,
        /// `/tto/oauth2/…`) are authorization traffic.
        public static func of(path: String) -> Priority {
            path.contains("oauth2/") ? .authorization : .data
        }
    }

    /// The configured sustained rate (the rate in force may differ after ``setRate(_:)``; see ``currentRate``).
    public let requestsPerSecond: Double
    /// How many calls may go at once after an idle period.
    public let burst: Int
    /// How long a data call may wait for its turn; `nil` for no bound.
    public let maximumWait: Duration?

    private let clock = ContinuousClock()
    private let state: Mutex<State>

    /// Creates a governor. `requestsPerSecond` must be positive; `burst` is at least 1 (default: one second's worth).
    public init(requestsPerSecond: Double, burst: Int? = nil, maximumWait: Duration? = nil) {
        precondition(requestsPerSecond > 0, "requestsPerSecond must be positive")
        self.requestsPerSecond = requestsPerSecond
        // Bounded so that any positive rate fits: an infinite one is a burst of 2^31 and no interval, a tiny one an
        // interval of about 285 years.
        self.burst = max(1, burst ?? Int(min(requestsPerSecond.rounded(.up), Double(Int32.max))))
        self.maximumWait = maximumWait
        self.state = Mutex(State(rate: requestsPerSecond, burst: self.burst, now: ContinuousClock().now))
    }

    /// The rate in force, in calls per second.
    public var currentRate: Double { state.withLock { $0.rate } }

    /// Calls waiting for their turn, by priority.
    public var waiting: (authorization: Int, data: Int) {
        state.withLock { ($0.authorization.count, $0.data.count) }
    }

    /// Changes the rate in force (zero or more); waiting calls are granted at the new rate.
    public func setRate(_ requestsPerSecond: Double) {
        let start = state.withLock { state -> Bool in
            state.setRate(max(0, requestsPerSecond), burst: burst)
            return state.startDispatcherIfNeeded()
        }
        if start { startDispatcher() }
    }

    /// A slot already taken from a governor by a caller that had to do something between waiting for its turn and
    /// the call (the vault renews a refresh's lease): the first ``acquire(priority:)`` on that governor inside
    /// `RateGovernor.$prepaidSlot.withValue(slot) { … }` uses it instead of waiting again; retries wait as usual.
    public final class PrepaidSlot: Sendable {
        let governor: ObjectIdentifier
        let unused = Atomic<Bool>(true)

        /// A slot just taken from `governor`.
        public init(_ governor: RateGovernor) { self.governor = ObjectIdentifier(governor) }

        func use(for governor: RateGovernor) -> Bool {
            self.governor == ObjectIdentifier(governor) && unused.exchange(false, ordering: .relaxed)
        }
    }

    /// The slot the current task already holds, if any (see ``PrepaidSlot``).
    @TaskLocal public static var prepaidSlot: PrepaidSlot?

    /// Waits until this call may go.
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting; ``RateBudgetExhausted`` when a
    ///   ``Priority/data`` call would wait longer than ``maximumWait``.
    public func acquire(priority: Priority = .data) async throws {
        if let slot = Self.prepaidSlot, slot.use(for: self) { return }
        let now = clock.now
        let id = WaiterID()
        let admission: Admission = state.withLock { state in
            if state.isIdle, state.grantImmediately(now: now) { return .go }
            // A data call that would wait past the bound is refused at once. While the rate is zero (an instance
            // waiting for its share, which usually comes within a renewal or two) it waits, up to the bound.
            if priority == .data, let maximumWait, let wait = state.estimatedWait(now: now), wait > maximumWait {
                return .refuse(retryAfter: wait)
            }
            return .wait
        }
        switch admission {
        case .go: return
        case .refuse(let retryAfter): throw RateBudgetExhausted(retryAfter: retryAfter)
        case .wait: break
        }
        let deadline = priority == .data ? maximumWait.map { now + $0 } : nil
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let start = state.withLock { state -> Bool in
                    if state.cancelled.remove(id) != nil {
                        continuation.resume(throwing: CancellationError())
                        return false
                    }
                    state.enqueue(Waiter(id: id, deadline: deadline, continuation: continuation), priority: priority)
                    return state.startDispatcherIfNeeded()
                }
                if start { startDispatcher() }
            }
        } onCancel: {
            state.withLock { state in
                if let waiter = state.remove(id) {
                    waiter.continuation.resume(throwing: CancellationError())
                } else {
                    state.cancelled.insert(id)
                }
            }
        }
    }

    private enum Admission {
        case go
        case wait
        case refuse(retryAfter: Duration)
    }

    /// Grants waiting calls one slot at a time, authorization first, until none waits.
    private func startDispatcher() {
        Task { [self] in
            while true {
                let next: ContinuousClock.Instant? = state.withLock { state in
                    let now = clock.now
                    state.dropExpired(now: now)
                    if state.isIdle {
                        state.dispatching = false
                        return nil
                    }
                    guard let at = state.nextGrant(now: now) else { return now + .milliseconds(100) }
                    if at <= now {
                        state.grantNext(now: now)
                        return now
                    }
                    return at
                }
                guard let next else { return }
                if next > clock.now { try? await Task.sleep(until: next, clock: clock) }
            }
        }
    }
}

/// A data call was refused because it would have waited longer than the governor's `maximumWait`: the app's QPS
/// budget is spent for now. `retryAfter` is how long until a slot is likely free.
public struct RateBudgetExhausted: Error, Sendable, CustomStringConvertible {
    /// How long to wait before trying again.
    public var retryAfter: Duration

    /// Creates the error.
    public init(retryAfter: Duration) { self.retryAfter = retryAfter }

    /// `Retry-After` in whole seconds (at least 1).
    public var retryAfterSeconds: Int {
        let (seconds, attoseconds) = retryAfter.components
        return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }

    public var description: String {
        "The app's QPS budget is spent for now; retry after \(retryAfterSeconds) s."
    }
}

private final class WaiterID: Hashable, Sendable {
    static func == (lhs: WaiterID, rhs: WaiterID) -> Bool { lhs === rhs }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

private struct Waiter {
    let id: WaiterID
    let deadline: ContinuousClock.Instant?
    let continuation: CheckedContinuation<Void, any Error>
}

/// The bucket and its two queues; every method runs under the governor's lock.
private struct State: ~Copyable {
    var rate: Double
    /// `nil` when the rate is zero.
    var interval: Duration?
    var tolerance: Duration = .zero
    /// The theoretical arrival time of the next call (GCRA).
    var nextArrival: ContinuousClock.Instant
    var authorization: [Waiter] = []
    var data: [Waiter] = []
    var cancelled: Set<WaiterID> = []
    var dispatching = false

    init(rate: Double, burst: Int, now: ContinuousClock.Instant) {
        self.rate = rate
        self.nextArrival = now
        setRate(rate, burst: burst)
    }

    var isIdle: Bool { authorization.isEmpty && data.isEmpty }

    mutating func setRate(_ rate: Double, burst: Int) {
        self.rate = rate
        if rate > 0 {
            let interval = Duration.nanoseconds(Int64(min(1e9 / rate, 9e18)))
            self.interval = interval
            self.tolerance = interval * (burst - 1)
        } else {
            self.interval = nil
            self.tolerance = .zero
        }
    }

    /// When the next call may go, or `nil` while the rate is zero.
    func nextGrant(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard interval != nil else { return nil }
        return max(max(nextArrival, now) - tolerance, now)
    }

    /// With no one waiting: `true` when the call may go now (its slot is taken), `false` when it must wait.
    mutating func grantImmediately(now: ContinuousClock.Instant) -> Bool {
        guard let at = nextGrant(now: now), at <= now else { return false }
        take(now: now)
        return true
    }

    /// How far the bucket may fall behind the clock and catch up: a grant that came late (the dispatcher's sleep
    /// overshoots by a millisecond or so, much more on a loaded machine) lets the next ones follow at once until the
    /// schedule is met again, so that high rates are reached; at most this much, so that calls are never bunched more
    /// than that.
    static let catchUp: Duration = .milliseconds(10)

    mutating func take(now: ContinuousClock.Instant) {
        guard let interval else { return }
        nextArrival = max(nextArrival, now - Self.catchUp) + interval
    }

    /// How long a data call enqueued now would wait, or `nil` while the rate is zero.
    func estimatedWait(now: ContinuousClock.Instant) -> Duration? {
        guard let interval, let at = nextGrant(now: now) else { return nil }
        return (at - now) + interval * (authorization.count + data.count)
    }

    mutating func enqueue(_ waiter: Waiter, priority: RateGovernor.Priority) {
        switch priority {
        case .authorization: authorization.append(waiter)
        case .data: data.append(waiter)
        }
    }

    mutating func startDispatcherIfNeeded() -> Bool {
        guard !dispatching, !isIdle else { return false }
        dispatching = true
        return true
    }

    mutating func remove(_ id: WaiterID) -> Waiter? {
        if let index = authorization.firstIndex(where: { $0.id == id }) { return authorization.remove(at: index) }
        if let index = data.firstIndex(where: { $0.id == id }) { return data.remove(at: index) }
        return nil
    }

    /// Refuses the data calls whose wait has passed the governor's bound.
    mutating func dropExpired(now: ContinuousClock.Instant) {
        guard data.contains(where: { ($0.deadline ?? now) < now }) else { return }
        let retryAfter = estimatedWait(now: now) ?? .seconds(1)
        data.removeAll { waiter in
            guard let deadline = waiter.deadline, deadline < now else { return false }
            waiter.continuation.resume(throwing: RateBudgetExhausted(retryAfter: retryAfter))
            return true
        }
    }

    /// Grants the slot due now to the first authorization call, else the first data call.
    mutating func grantNext(now: ContinuousClock.Instant) {
        let waiter = authorization.isEmpty ? data.removeFirst() : authorization.removeFirst()
        take(now: now)
        waiter.continuation.resume()
    }
}
