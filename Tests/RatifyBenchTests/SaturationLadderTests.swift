import RatifyBench
import Testing

@Suite("saturation ladder")
struct SaturationLadderTests {
    /// The rates a ladder measures when every rate up to `edge` (exclusive) is sustainable.
    private func rates(start: Double, refinements: Int, edge: Double) -> [Double] {
        var ladder = SaturationLadder(start: start, refinements: refinements)
        var measured: [Double] = []
        var next: Double? = ladder.rate
        while let rate = next {
            measured.append(rate)
            next = ladder.record(sustainable: rate < edge)
        }
        return measured
    }

    @Test("without refinements, each step is half again the last, rounded up to 100 tx/s, until one is not sustainable")
    func steps() {
        #expect(rates(start: 1_000, refinements: 0, edge: 4_000) == [1_000, 1_500, 2_300, 3_500, 5_300])
    }

    @Test("refinements halve the gap between the last good step and the first bad one, rounded to 100 tx/s")
    func refinements() {
        // 3,500 good, 5,300 bad: 4,400 (good), then 4,900 (bad).
        #expect(rates(start: 1_000, refinements: 2, edge: 4_500) == [1_000, 1_500, 2_300, 3_500, 5_300, 4_400, 4_900])
        var ladder = SaturationLadder(start: 1_000, refinements: 2)
        for sustainable in [true, true, true, true, false, true, false] { _ = ladder.record(sustainable: sustainable) }
        #expect(ladder.sustainable == 4_400)
        #expect(ladder.unsustainable == 4_900)
        // 4,400 bad too: 4,000 between 3,500 and 4,400.
        #expect(rates(start: 1_000, refinements: 2, edge: 4_000) == [1_000, 1_500, 2_300, 3_500, 5_300, 4_400, 4_000])
    }

    @Test("a first step that is not sustainable ends the search with no sustainable rate; a gap of one rounding step ends it too")
    func ends() {
        var ladder = SaturationLadder(start: 1_000, refinements: 3)
        #expect(ladder.record(sustainable: false) == nil)
        #expect(ladder.sustainable == nil)
        #expect(ladder.unsustainable == 1_000)
        // 100 good, 200 bad: nothing lies between them on the 100 tx/s grid.
        #expect(rates(start: 100, refinements: 3, edge: 200) == [100, 200])
    }

    @Test("the ladder stops once the next step would pass its top rate")
    func top() {
        let measured = rates(start: 500_000, refinements: 2, edge: .infinity)
        #expect(measured == [500_000, 750_000])
    }

    @Test("--saturate-refine takes 0 to 8 steps")
    func option() {
        var options = FinalityBenchOptions(binary: "ratify", command: "ratify bench finality --saturate")
        #expect(options.problem == nil)
        options.saturateRefinements = 9
        #expect(options.problem == "--saturate-refine must be between 0 and 8, got 9")
        options.saturateRefinements = -1
        #expect(options.problem == "--saturate-refine must be between 0 and 8, got -1")
    }
}
