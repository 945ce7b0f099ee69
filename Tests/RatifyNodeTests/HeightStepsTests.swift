import Testing
@testable import RatifyNode

@Suite("height steps")
struct HeightStepsTests {
    @Test("a height's timeline becomes steps only when the proposal, the prevote and the precommit were all seen")
    func timeline() {
        var timeline = HeightTimeline(startedMillis: 100)
        #expect(timeline.steps(decidedMillis: 110) == nil)
        timeline.proposalMillis = 101.5
        timeline.prevoteMillis = 102
        #expect(timeline.steps(decidedMillis: 110) == nil)
        timeline.precommitMillis = 104
        timeline.signMillis = 0.75
        #expect(timeline.steps(decidedMillis: 105) == HeightSteps(proposeMillis: 1.5, prevoteMillis: 0.5, precommitMillis: 2,
                                                                 commitMillis: 1, signMillis: 0.75))
    }
}
