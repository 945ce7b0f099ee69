import Testing
import RatifySim

@Suite("simulator")
struct SimulatorTests {
    @Test("the same configuration replays the same run, event for event")
    func deterministicReplay() {
        var config = SimConfig(validators: 7, byzantine: 2, stake: .skewed, heights: 20, seed: 4_242, faults: .all)
        config.trace = true
        let first = Simulation.run(config)
        let second = Simulation.run(config)
        #expect(first.violation == nil)
        #expect(first.trace == second.trace && !first.trace.isEmpty)
        #expect(first.messages == second.messages && first.events == second.events)
        #expect(first.decidedRounds == second.decidedRounds)
        // Another seed is another run.
        config.seed += 1
        #expect(Simulation.run(config).trace != first.trace)
    }

    @Test("a run without faults decides every height in round 0")
    func noFaults() {
        let result = Simulation.run(SimConfig(validators: 4, heights: 30, seed: 3, faults: []))
        #expect(result.violation == nil && result.heightsDecided == 30)
        #expect(result.decidedRounds.count == 30 && result.decidedRounds.allSatisfy { $0 == 0 })
        #expect(result.gstMillis == 0)
    }

    /// 30 heights: with the gossip model a height of 100 validators is about 160,000 message
    /// deliveries, most of them copies the gossip tick sends while the first is in flight.
    @Test("100 validators with skewed stake decide 30 heights")
    func hundredValidators() {
        let result = Simulation.run(SimConfig(validators: 100, byzantine: 0, stake: .skewed, heights: 30, seed: 100, faults: []))
        #expect(result.setupError == nil)
        #expect(result.violation == nil, "\(result.violation.map(String.init(describing:)) ?? "")")
        #expect(result.heightsDecided >= 30)
    }

    @Test("validator-set changes happen and take effect without breaking anything")
    func validatorSetChanges() {
        let result = Simulation.run(SimConfig(validators: 7, byzantine: 2, stake: .skewed, heights: 50, seed: 5, faults: .all))
        #expect(result.violation == nil)
        #expect(result.validatorUpdates > 0)
    }

    @Test("byzantine validators get caught: double voters and equivocating proposers produce evidence")
    func evidenceAgainstByzantine() {
        let result = Simulation.run(SimConfig(validators: 7, byzantine: 2, stake: .uniform, heights: 20, seed: 11, faults: [],
                                              byzantineBehaviors: [.doubleVoter]))
        #expect(result.violation == nil)
        #expect(result.evidenceReported > 0)
    }

    @Test("configuration errors are one line and runs do not start")
    func configurationErrors() {
        #expect(SimConfig(validators: 0).validationError()?.contains("--validators") == true)
        #expect(SimConfig(validators: 4, byzantine: 5).validationError()?.contains("--byzantine") == true)
        #expect(SimConfig(validators: 4, stake: .list([1, 2])).validationError()?.contains("--stake") == true)
        #expect(SimConfig(validators: 4, heights: 0).validationError()?.contains("--heights") == true)
        #expect(SimConfig(validators: 4).validationError() == nil)
        #expect(Simulation.run(SimConfig(validators: 0)).setupError != nil)
    }

    @Test("fault and stake arguments parse, and bad ones are refused")
    func argumentParsing() {
        #expect(SimFaults(list: "loss,dup,reorder,partition,crash") == .all)
        #expect(SimFaults(list: "loss,crash") == [.loss, .crash])
        #expect(SimFaults(list: "none") == [])
        #expect(SimFaults(list: "loss,flood") == nil)
        #expect(StakeDistribution(argument: "uniform") == .uniform)
        #expect(StakeDistribution(argument: "10,20,30") == .list([10, 20, 30]))
        #expect(StakeDistribution(argument: "10,-1") == nil)
        #expect(StakeDistribution(argument: "10,,3") == nil)
        #expect(StakeDistribution(argument: "lots") == nil)
    }

    @Test("rounds-per-height quantiles come from the histogram")
    func quantiles() {
        var summary = SimSweep.Summary()
        summary.roundsHistogram[0] = 98
        summary.roundsHistogram[3] = 2
        #expect(summary.roundsPerHeight(quantile: 0.5) == 1)
        #expect(summary.roundsPerHeight(quantile: 0.99) == 4)
    }
}
