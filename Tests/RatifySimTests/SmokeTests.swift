import Testing
import RatifySim

@Suite("simulator smoke")
struct SmokeTests {
    @Test("four honest validators decide ten heights with no faults")
    func fourHonest() {
        let result = Simulation.run(SimConfig(validators: 4, heights: 10, seed: 1, faults: []))
        #expect(result.setupError == nil)
        #expect(result.violation == nil, "\(result.violation.map(String.init(describing:)) ?? "")")
        #expect(result.heightsDecided >= 10)
        print("decided \(result.heightsDecided) messages \(result.messages) events \(result.events) t=\(result.simulatedMillis) rounds \(result.decidedRounds)")
    }
}
