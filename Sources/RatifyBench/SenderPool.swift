import Synchronization

/// The free senders, first in first out, and the sends waiting for one. A send due while every
/// sender is busy waits here; its latency still counts from its intended time.
final class SenderPool: Sendable {
    private struct State {
        var free: [Int]
        var head = 0
        var waiting: [CheckedContinuation<Int, Never>] = []
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(free: Array(0..<count)))
    }

    var freeCount: Int { state.withLock { $0.free.count - $0.head } }

    /// A free sender, or nil at once when none is.
    func tryAcquire() -> Int? {
        state.withLock { state -> Int? in
            guard state.head < state.free.count else { return nil }
            defer { state.head += 1 }
            return state.free[state.head]
        }
    }

    func acquire() async -> Int {
        if let index = tryAcquire() { return index }
        return await withCheckedContinuation { continuation in
            let index: Int? = state.withLock { state in
                if state.head < state.free.count {
                    defer { state.head += 1 }
                    return state.free[state.head]
                }
                state.waiting.append(continuation)
                return nil
            }
            if let index { continuation.resume(returning: index) }
        }
    }

    func release(_ index: Int) {
        let waiter: CheckedContinuation<Int, Never>? = state.withLock { state in
            if !state.waiting.isEmpty { return state.waiting.removeFirst() }
            if state.head > 4_096 {
                state.free.removeFirst(state.head)
                state.head = 0
            }
            state.free.append(index)
            return nil
        }
        waiter?.resume(returning: index)
    }
}
