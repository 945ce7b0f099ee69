import Foundation
import Synchronization

/// Set by SIGINT or SIGTERM while `Interruption.cancellingOnSignal` runs an operation.
private let signalled = Atomic<Bool>(false)

/// Long runs that start nodes (`ratify chaos`, `ratify bench`): SIGINT or SIGTERM cancels the
/// run instead of killing the process, so it can stop the nodes it started.
enum Interruption {
    /// Whether a signal arrived.
    static var happened: Bool { signalled.load(ordering: .relaxed) }

    /// Runs `operation` as a task that a SIGINT or SIGTERM cancels.
    static func cancellingOnSignal<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async -> Result<T, any Error> {
        // A handler, not SIG_IGN: handlers reset to the default in the nodes the run starts (and
        // restarts), so they still stop on a signal of their own; an ignored one would be inherited.
        signal(SIGINT) { _ in signalled.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in signalled.store(true, ordering: .relaxed) }
        let task = Task { try await operation() }
        let watcher = Task {
            while !Task.isCancelled, !happened { try? await Task.sleep(nanoseconds: 100_000_000) }
            if happened { task.cancel() }
        }
        defer { watcher.cancel() }
        return await task.result
    }
}
