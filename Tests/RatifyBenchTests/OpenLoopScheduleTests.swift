@testable import RatifyBench
import Testing

@Suite("open-loop schedule")
struct OpenLoopScheduleTests {
    @Test("send i is due at i / rate, whatever happened before")
    func intendedTimes() {
        let schedule = OpenLoopSchedule(ratePerSecond: 1_000, seconds: 2)
        #expect(schedule.count == 2_000)
        #expect(schedule.intendedNanos(0) == 0)
        #expect(schedule.intendedNanos(1) == 1_000_000)
        #expect(schedule.intendedNanos(1_999) == 1_999_000_000)
    }

    @Test("a client that stalls gets every overdue send at once, not a shifted schedule")
    func stallCatchesUp() {
        let schedule = OpenLoopSchedule(ratePerSecond: 100, count: 1_000)
        #expect(schedule.due(from: 0, elapsedNanos: 0) == 0..<1)
        // Asleep for 95 ms after the first send: sends 1...9 are all due now.
        #expect(schedule.due(from: 1, elapsedNanos: 95_000_000) == 1..<10)
        // Nothing new is due until 100 ms, and the wait is measured from the schedule.
        #expect(schedule.due(from: 10, elapsedNanos: 95_000_000).isEmpty)
        #expect(schedule.nanosUntil(10, elapsedNanos: 95_000_000) == 5_000_000)
        #expect(schedule.due(from: 10, elapsedNanos: 100_000_000) == 10..<11)
    }

    @Test("the schedule ends at its count and a due index is never handed out twice")
    func boundaries() {
        let schedule = OpenLoopSchedule(ratePerSecond: 3, count: 5)
        var next = 0
        var handed: [Int] = []
        for millis in stride(from: 0, through: 5_000, by: 7) {
            let due = schedule.due(from: next, elapsedNanos: UInt64(millis) * 1_000_000)
            handed += Array(due)
            next = due.upperBound
        }
        #expect(handed == [0, 1, 2, 3, 4])
        #expect(schedule.due(from: 5, elapsedNanos: .max / 2).isEmpty)
        #expect(OpenLoopSchedule(ratePerSecond: 0, seconds: 10).count == 0)
        #expect(OpenLoopSchedule(ratePerSecond: 333.3, seconds: 3).count == 999)
    }
}
