import RatifyConsensus
@testable import RatifyNode
import Testing

/// The driver's timeouts: which wake-ups are armed, what each finds due, what stale ones cost.
@Suite("timeout schedule")
struct TimeoutScheduleTests {
    let start = ContinuousClock.now

    func at(_ millis: Int64) -> ContinuousClock.Instant { start + .milliseconds(millis) }

    func timeout(_ kind: TimeoutEvent.Kind, height: UInt64, round: UInt32 = 0) -> TimeoutEvent {
        TimeoutEvent(kind: kind, height: height, round: round)
    }

    @Test("a wake-up is armed only for a timeout due before every armed one; a wake-up fires what is due by then, in due order")
    func armsOnlyEarlier() {
        var schedule = TimeoutSchedule()
        #expect(schedule.add(timeout(.propose, height: 1), due: at(3_000)) == at(3_000))
        #expect(schedule.add(timeout(.resend, height: 1), due: at(4_000)) == nil)
        #expect(schedule.add(timeout(.prevote, height: 1), due: at(1_000)) == at(1_000))
        #expect(schedule.add(timeout(.precommit, height: 1), due: at(1_000)) == nil)
        // The wake-up at 1 s fires both due then, in the order added, and nothing later.
        #expect(schedule.wake(armedAt: at(1_000), now: at(1_002)) == [timeout(.prevote, height: 1), timeout(.precommit, height: 1)])
        // The wake-up at 3 s is still armed: nothing new to arm.
        #expect(schedule.nextWakeUp() == nil)
        #expect(schedule.wake(armedAt: at(3_000), now: at(3_000)) == [timeout(.propose, height: 1)])
        #expect(schedule.nextWakeUp() == at(4_000))
        #expect(schedule.nextWakeUp() == nil)
        #expect(schedule.wake(armedAt: at(4_000), now: at(4_100)) == [timeout(.resend, height: 1)])
        #expect(schedule.pendingCount == 0 && schedule.nextWakeUp() == nil)
    }

    @Test("a late wake-up fires everything due by now, earliest first; a zero-delay timeout is armed at once")
    func lateWakeUp() {
        var schedule = TimeoutSchedule()
        _ = schedule.add(timeout(.precommit, height: 2), due: at(20))
        _ = schedule.add(timeout(.prevote, height: 2), due: at(10))
        #expect(schedule.add(timeout(.commit, height: 2), due: at(0)) == at(0))
        #expect(schedule.wake(armedAt: at(0), now: at(50)) == [timeout(.commit, height: 2), timeout(.prevote, height: 2),
                                                              timeout(.precommit, height: 2)])
    }

    @Test("stale timeouts are removed without a wake-up of their own: heights back to back keep one wake-up armed")
    func staleCostNothing() {
        var schedule = TimeoutSchedule()
        var wakeUps: [ContinuousClock.Instant] = []
        // 100 heights, 10 ms apart, each asking for the four timeouts of a height; each new
        // height makes the earlier ones stale, as the driver's `isStale` says.
        for height in UInt64(1)...100 {
            let now = Int64(height) * 10
            schedule.removeAll { $0.height < height }
            for (kind, afterMillis) in [(TimeoutEvent.Kind.propose, Int64(3_000)), (.resend, 4_000), (.prevote, 1_000), (.precommit, 1_000)] {
                if let wakeUp = schedule.add(timeout(kind, height: height), due: at(now + afterMillis)) { wakeUps.append(wakeUp) }
            }
        }
        // Two wake-ups armed (height 1's propose, then its prevote), not 400.
        #expect(wakeUps == [at(3_010), at(1_010)])
        #expect(schedule.pendingCount == 4)
        // The first wake-up finds nothing due (height 100's prevote is due at 2 s) and the next
        // is armed for it.
        #expect(schedule.wake(armedAt: at(1_010), now: at(1_010)).isEmpty)
        #expect(schedule.nextWakeUp() == at(2_000))
        #expect(schedule.wake(armedAt: at(2_000), now: at(2_000)) == [timeout(.prevote, height: 100), timeout(.precommit, height: 100)])
        // The wake-up at 3,010 ms (armed first) still comes before height 100's propose timeout.
        #expect(schedule.nextWakeUp() == nil)
    }
}
