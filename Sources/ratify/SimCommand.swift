import ArgumentParser
import RatifySim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ratify sim`: runs the deterministic consensus simulator (docs/SIMULATOR.md). Parses,
/// calls RatifySim, prints; the runs themselves live in `Simulation` and `SimSweep`.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run seeded consensus simulations with faults and byzantine validators.",
        discussion: """
            Runs --runs simulations from consecutive seeds starting at --seed, each until every \
            honest validator decided --heights heights or an invariant broke (agreement, \
            validity, no double sign, no false accusation, liveness after GST). Exits 1 on a \
            violation after printing the seed, the command that replays it and a trace.
            """
    )

    @Option(help: "Validators (1...1000).")
    var validators: Int = 4

    @Option(help: "Byzantine validators; kept below 1/3 of the stake unless --unsafe-byzantine.")
    var byzantine: Int = 0

    @Option(help: "Stake: uniform, skewed, or a list of powers such as 50,20,20,10.")
    var stake: String = "uniform"

    @Option(help: "Heights every honest validator must decide in each run.")
    var heights: Int = 50

    @Option(help: "Number of runs, from consecutive seeds.")
    var runs: Int = 1

    @Option(help: "Seed of the first run.")
    var seed: UInt64 = 1

    @Option(help: "Faults before GST: any of loss,dup,reorder,partition,crash; all; or none.")
    var faults: String = "all"

    @Option(help: "Byzantine behaviours to draw from: equivocating-proposer,double-voter,withholder,partial-sender,twin.")
    var behaviors: String = "all"

    @Flag(help: "Choose the first --byzantine validators whatever their stake (may reach 1/3: expect violations).")
    var unsafeByzantine = false

    @Flag(help: "Keep voting powers fixed (no validator-set changes).")
    var noValidatorChanges = false

    @Option(help: "Signatures: modeled (fast) or ed25519 (real signing and verification).")
    var crypto: String = "modeled"

    @Flag(help: "Print the summary and any violation as JSON (progress goes to standard error).")
    var json = false

    func run() throws {
        let base = try configuration()
        let clock = ContinuousClock()
        let started = clock.now
        let progressEvery = max(1, runs / 20)
        let summary = SimSweep.run(base, runs: runs, stopAfterViolations: 1) { done, summary in
            guard done % progressEvery == 0 || done == runs || !summary.violations.isEmpty else { return }
            let seconds = Self.seconds(clock.now - started)
            let line = "progress: \(done)/\(runs) runs, \(summary.heightsDecided) heights, "
                + "\(summary.violations.count) violations, \(Self.format(seconds))s"
            if json { StandardError.write(line) } else { print(line) }
        }
        let firstViolation = summary.violations.first
        let seconds = Self.seconds(clock.now - started)
        if let problem = summary.setupErrors.first {
            Self.fail("ratify sim: \(problem)")
            throw ExitCode(64)
        }
        if json {
            let violation = firstViolation.map { (shrunk: SimSweep.shrink($0), original: $0) }
            ResultOutput.printJSON(SimSweep.json(summary, wallSeconds: seconds, violation: violation))
            if violation != nil { throw ExitCode(1) }
            return
        }
        print("summary: \(summary.line)")
        print("wall time \(Self.format(seconds))s, \(Self.format(Double(summary.heightsDecided) / max(seconds, 1e-9))) simulated heights/s, "
              + "\(Self.format(Double(summary.simulatedMillis) / 1_000))s simulated")
        if let failing = firstViolation {
            print(SimSweep.report(SimSweep.shrink(failing), original: failing))
            throw ExitCode(1)
        }
    }

    /// Builds the configuration, or prints one line naming the bad argument and exits 64.
    private func configuration() throws -> SimConfig {
        guard let stakes = StakeDistribution(argument: stake) else {
            Self.fail("ratify sim: --stake \(stake) is not uniform, skewed or a list of positive powers like 50,20,20,10")
            throw ExitCode(64)
        }
        guard let faultSet = SimFaults(list: faults) else {
            Self.fail("ratify sim: --faults \(faults) is not a list of loss,dup,reorder,partition,crash (or all, none)")
            throw ExitCode(64)
        }
        var behaviorList = ByzantineBehavior.allCases
        if behaviors != "all" {
            behaviorList = []
            for name in behaviors.split(separator: ",") {
                guard let behavior = ByzantineBehavior.allCases.first(where: { $0.description == name }) else {
                    Self.fail("ratify sim: --behaviors: unknown behaviour \(name); use \(ByzantineBehavior.allCases.map(\.description).joined(separator: ","))")
                    throw ExitCode(64)
                }
                behaviorList.append(behavior)
            }
        }
        let signatures: SimCrypto
        switch crypto {
        case "modeled": signatures = .modeled
        case "ed25519": signatures = .ed25519
        default:
            Self.fail("ratify sim: --crypto \(crypto) is neither modeled nor ed25519")
            throw ExitCode(64)
        }
        guard runs >= 1, runs <= 100_000_000 else {
            Self.fail("ratify sim: --runs must be between 1 and 100000000, got \(runs)")
            throw ExitCode(64)
        }
        let config = SimConfig(validators: validators, byzantine: byzantine, stake: stakes, heights: heights, seed: seed,
                               faults: faultSet, byzantineBehaviors: behaviorList,
                               keepByzantineBelowOneThird: !unsafeByzantine, validatorSetChanges: !noValidatorChanges,
                               crypto: signatures)
        if let problem = config.validationError() {
            Self.fail("ratify sim: \(problem)")
            throw ExitCode(64)
        }
        return config
    }

    /// One line on standard error (file descriptor 2: no shared `stderr` global to touch).
    private static func fail(_ line: String) {
        var text = line + "\n"
        text.withUTF8 { buffer in _ = write(2, buffer.baseAddress, buffer.count) }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return String(rounded)
    }
}
