import Synchronization

/// Callers waiting for an answer that arrives as an alert, keyed by what the alert names (a target, a public key and
/// salt). Every waiter ends exactly once: with the first answer for its key, its timeout's fallback value, the
/// fallback on cancellation, or the error of the call that was to start the request.
final class PendingRequests<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private typealias Outcome = Result<Value, TorrentError>

    private struct Waiter {
        let key: Key
        let continuation: CheckedContinuation<Outcome, Never>
        let timer: Task<Void, Never>
    }

    private struct State {
        var lastID: UInt64 = 0
        /// Ids handed out whose waiter is not registered yet, and those of them cancelled meanwhile.
        var announced: Set<UInt64> = []
        var cancelledEarly: Set<UInt64> = []
        var waiters: [UInt64: Waiter] = [:]
        var idsByKey: [Key: Set<UInt64>] = [:]
    }

    private let state = Mutex(State())

    /// Waits for the answer for `key`: registers first, then runs `start` (the shim call that sends the request, so an
    /// answer cannot slip past), then suspends until ``resolve(_:with:)``, `timeout` or cancellation (both give
    /// `fallback`). Rethrows what `start` throws.
    func wait(
        for key: Key, timeout: Duration, fallback: Value, start: () throws(TorrentError) -> Void
    ) async throws(TorrentError) -> Value {
        let id = state.withLock { state in
            state.lastID &+= 1
            state.announced.insert(state.lastID)
            return state.lastID
        }
        let outcome: Outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                guard register(id, key: key, continuation: continuation, timeout: timeout, fallback: fallback) else {
                    continuation.resume(returning: .success(fallback))
                    return
                }
                do throws(TorrentError) {
                    try start()
                } catch {
                    finish(id, with: .failure(error))
                }
            }
        } onCancel: {
            cancel(id, fallback: fallback)
        }
        return try outcome.get()
    }

    /// Ends every waiter for `key` with `value`. Answers nobody waits for are dropped.
    func resolve(_ key: Key, with value: Value) {
        let ended = state.withLock { state -> [Waiter] in
            guard let ids = state.idsByKey.removeValue(forKey: key) else { return [] }
            return ids.compactMap { state.waiters.removeValue(forKey: $0) }
        }
        for waiter in ended {
            waiter.timer.cancel()
            waiter.continuation.resume(returning: .success(value))
        }
    }

    /// `false` when the waiting task was cancelled before registration (the caller then ends at once).
    private func register(
        _ id: UInt64, key: Key, continuation: CheckedContinuation<Outcome, Never>, timeout: Duration, fallback: Value
    ) -> Bool {
        state.withLock { state in
            state.announced.remove(id)
            if state.cancelledEarly.remove(id) != nil {
                return false
            }
            let timer = Task { [self] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }  // cancelled: answered in time
                finish(id, with: .success(fallback))
            }
            state.waiters[id] = Waiter(key: key, continuation: continuation, timer: timer)
            state.idsByKey[key, default: []].insert(id)
            return true
        }
    }

    private func cancel(_ id: UInt64, fallback: Value) {
        let early = state.withLock { state in
            guard state.announced.contains(id) else { return false }
            state.cancelledEarly.insert(id)
            return true
        }
        if !early {
            finish(id, with: .success(fallback))
        }
    }

    /// Ends one waiter, if it is still waiting.
    private func finish(_ id: UInt64, with outcome: Outcome) {
        let ended = state.withLock { state -> Waiter? in
            guard let waiter = state.waiters.removeValue(forKey: id) else { return nil }
            state.idsByKey[waiter.key]?.remove(id)
            if state.idsByKey[waiter.key]?.isEmpty == true {
                state.idsByKey.removeValue(forKey: waiter.key)
            }
            return waiter
        }
        guard let ended else { return }
        ended.timer.cancel()
        ended.continuation.resume(returning: outcome)
    }
}
