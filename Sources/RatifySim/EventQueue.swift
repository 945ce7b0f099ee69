/// A binary min-heap of events ordered by (time, sequence), over a concrete element type so
/// that the hottest loop of a run does no generic dispatch in the debug builds CI runs.
struct EventQueue: Sendable {
    private var heap: [SimEvent] = []
    private var nextSequence: UInt64 = 0
    /// Events ever pushed; the run's event cap reads it.
    private(set) var pushed: UInt64 = 0

    init() { heap.reserveCapacity(1_024) }

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    mutating func push(at timeMillis: UInt64, _ kind: SimEvent.Kind, node: Int, payload: Int = 0) {
        let event = SimEvent(timeMillis: timeMillis, sequence: nextSequence, kind: kind,
                             node: Int32(truncatingIfNeeded: node), payload: Int32(truncatingIfNeeded: payload))
        nextSequence += 1
        pushed += 1
        heap.append(event)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if !Self.precedes(heap[child], heap[parent]) { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> SimEvent? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        var parent = 0
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            if left >= count { break }
            let right = left + 1
            var smallest = left
            if right < count && Self.precedes(heap[right], heap[left]) { smallest = right }
            if !Self.precedes(heap[smallest], heap[parent]) { break }
            heap.swapAt(smallest, parent)
            parent = smallest
        }
        return top
    }

    @inline(__always)
    private static func precedes(_ lhs: SimEvent, _ rhs: SimEvent) -> Bool {
        lhs.timeMillis != rhs.timeMillis ? lhs.timeMillis < rhs.timeMillis : lhs.sequence < rhs.sequence
    }
}
