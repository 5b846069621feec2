import Synchronization

/// Wakes a service loop that sleeps between rounds: ``signal()`` from anywhere; ``wait(upTo:)`` returns at the first
/// signal or when the duration has passed, whichever comes first. A signal sent while nobody waits is kept for the
/// next wait (several coalesce into one).
///
/// Not an `AsyncStream`: cancelling a task that waits in an `AsyncStream`'s `next()` terminates the stream, so a loop
/// that races `for await` on it against a sleep, and cancels the loser, holds a finished stream after its first timed
/// wake-up, and from then on never sleeps again (it spun a core and, through the cancelled sleeps it left pending,
/// grew without bound until they expired). Cancelling a ``wait(upTo:)`` leaves the signal as it was.
final class WakeUpSignal: Sendable {
    private struct State {
        var pending = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    init() {}

    /// Wakes every waiter now, or the next one to wait.
    func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.waiters.isEmpty else {
                state.pending = true
                return []
            }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns at the first signal (or at once for one sent before), after `duration`, or when the task is cancelled.
    func wait(upTo duration: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await self.next() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns at the next signal, at once when one is pending, or when the task is cancelled.
    private func next() async {
        let id = state.withLock { state in
            defer { state.nextID &+= 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    // Cancelled before the continuation was stored: the handler found nothing to resume.
                    if Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
