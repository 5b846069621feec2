import Synchronization

/// The counters behind `GET /_emulator/counters`.
final class CounterStore: Sendable {
    private let counters = Mutex(EmulatorCounters())

    var snapshot: EmulatorCounters { self.counters.withLock { $0 } }

    func reset() { self.counters.withLock { $0 = EmulatorCounters() } }

    func recordCall(_ path: String) { self.counters.withLock { $0.calls[path, default: 0] += 1 } }

    func recordExchange(_ flow: AuthorizationFlow) {
        self.counters.withLock {
            switch flow.kind {
            case .advertiser: $0.advertiserExchanges += 1
            case .account: $0.accountExchanges += 1
            }
        }
    }

    func recordRefresh(openID: String, at time: Double, usedGrace: Bool = false) {
        self.counters.withLock {
            $0.refreshes += 1
            if usedGrace { $0.refreshGraceUses += 1 }
            $0.refreshesByOpenID[openID, default: 0] += 1
            $0.refreshTimesByOpenID[openID, default: []].append(time)
        }
    }

    func recordRefreshFailure() { self.counters.withLock { $0.refreshFailures += 1 } }

    func recordRevoke() { self.counters.withLock { $0.revokes += 1 } }

    func recordFault(_ kind: String) {
        self.counters.withLock {
            $0.faultsInjected += 1
            $0.faultsByKind[kind, default: 0] += 1
        }
    }

    func recordDelay() { self.counters.withLock { $0.delayedCalls += 1 } }

    func recordError(code: Int) { self.counters.withLock { $0.errorCodes[code, default: 0] += 1 } }

    func recordRateLimited() { self.counters.withLock { $0.rateLimited += 1 } }
}
