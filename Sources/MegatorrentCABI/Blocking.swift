import Dispatch

/// Runs async work to completion for a C caller, which has its own thread to block. Never called
/// from the library's own tasks (callbacks run on a dedicated thread, see EventDispatcher).
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

/// The result of `blocking`'s task, handed over through its semaphore (which orders the accesses).
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
