import RatifyCore
import Synchronization

/// Requests waiting for transactions to become final (`POST /tx?wait=final`). The RPC
/// registers a ticket before it submits, so a block that finalizes the transaction before the
/// request starts waiting is not missed; the driver calls `finalized` after each block.
/// At most `waitersMax` tickets are held; each waits at most its timeout.
public final class TransactionWaiters: Sendable {
    public struct Ticket: Hashable, Sendable {
        let id: UInt64
        public let hash: Hash
    }

    public struct TooManyWaiters: Error, Equatable, Sendable, CustomStringConvertible {
        public let waitersMax: Int
        public var description: String {
            "\(waitersMax) requests are already waiting for transactions to become final; retry without wait=final"
        }
    }

    private enum Slot {
        case waiting(CheckedContinuation<TransactionLocation?, Never>?)
        case final(TransactionLocation)
    }

    private struct State {
        var nextID: UInt64 = 0
        var slots: [Ticket: Slot] = [:]
        var ticketsByHash: [Hash: Set<Ticket>] = [:]

        mutating func remove(_ ticket: Ticket) -> Slot? {
            ticketsByHash[ticket.hash]?.remove(ticket)
            if ticketsByHash[ticket.hash]?.isEmpty == true { ticketsByHash[ticket.hash] = nil }
            return slots.removeValue(forKey: ticket)
        }
    }

    public let waitersMax: Int
    private let state = Mutex(State())

    public init(waitersMax: Int) {
        precondition(waitersMax > 0, "waitersMax must be positive")
        self.waitersMax = waitersMax
    }

    public var count: Int { state.withLock { $0.slots.count } }

    /// Starts listening for `hash`; the result of a later `finalized` is kept until `wait`.
    public func register(_ hash: Hash) throws(TooManyWaiters) -> Ticket {
        let ticket: Ticket? = state.withLock { state in
            guard state.slots.count < waitersMax else { return nil }
            let ticket = Ticket(id: state.nextID, hash: hash)
            state.nextID += 1
            state.slots[ticket] = .waiting(nil)
            state.ticketsByHash[hash, default: []].insert(ticket)
            return ticket
        }
        guard let ticket else { throw TooManyWaiters(waitersMax: waitersMax) }
        return ticket
    }

    /// Forgets a ticket whose transaction was not admitted.
    public func cancel(_ ticket: Ticket) {
        resume(state.withLock { $0.remove(ticket) }, with: nil)
    }

    /// The transaction's location once final, or nil after `timeout`. Consumes the ticket.
    public func wait(_ ticket: Ticket, timeout: Duration) async -> TransactionLocation? {
        let expiry = Task {
            try? await Task.sleep(for: timeout)
            self.cancel(ticket)
        }
        defer { expiry.cancel() }
        return await withCheckedContinuation { continuation in
            let immediate: TransactionLocation?? = state.withLock { state in
                switch state.slots[ticket] {
                case .final(let location):
                    _ = state.remove(ticket)
                    return .some(location)
                case .waiting:
                    state.slots[ticket] = .waiting(continuation)
                    return .none
                case nil:  // expired before we got here
                    return .some(nil)
                }
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    /// Reports final transactions (the driver, after each block; tests, through the same call).
    public func finalized(_ locations: [TransactionLocation]) {
        let toResume: [(CheckedContinuation<TransactionLocation?, Never>, TransactionLocation)] = state.withLock { state in
            var toResume: [(CheckedContinuation<TransactionLocation?, Never>, TransactionLocation)] = []
            for location in locations {
                for ticket in state.ticketsByHash[location.hash] ?? [] {
                    if case .waiting(let continuation) = state.slots[ticket] {
                        if let continuation {
                            _ = state.remove(ticket)
                            toResume.append((continuation, location))
                        } else {
                            state.slots[ticket] = .final(location)
                        }
                    }
                }
            }
            return toResume
        }
        for (continuation, location) in toResume { continuation.resume(returning: location) }
    }

    private func resume(_ slot: Slot?, with location: TransactionLocation?) {
        if case .waiting(let continuation?) = slot { continuation.resume(returning: location) }
    }
}
