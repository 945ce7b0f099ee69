@_spi(Simulation) import RatifyConsensus
import RatifyCore

/// One deterministic run: N `Consensus` cores (the node's own code) over a simulated network
/// and clock, driven from one seed. Every source of nondeterminism is a seeded stream, every
/// collection iterated is an array, so the same configuration replays the same events.
///
/// The event loop, setup and faults are here; the shell (what each node does with its core's
/// effects) is in `Simulation+Shell.swift`; the invariants in `Simulation+Invariants.swift`.
public struct Simulation {
    public static let chainID = "ratify-sim"
    static let genesisTimeMillis: UInt64 = 1_800_000_000_000

    let config: SimConfig
    var now: UInt64 = 0
    var queue = EventQueue()
    var nodes: [SimNode] = []
    var ledger: SimLedger
    var network: SimNetwork
    let keys: [KeyPair]
    let addresses: [Address]
    /// By identity: the behaviour of each byzantine validator, nil for honest ones.
    let behaviors: [ByzantineBehavior?]

    // Tables named by index from events.
    var messages: [SimMessage] = []
    var timers: [SimTimer] = []
    var fetches: [Block] = []
    /// Every block ever proposed, for `requestBlock` (served by "a peer that has it").
    var blockTable: [BlockID: Block] = [:]

    var byzantineRandom: SimRandom
    /// getValue() requests made while replaying a WAL, answered once the replay is done.
    var pendingAnswers: [(node: Int, height: Height, round: Round)] = []
    var plannedPartitions: [[UInt8]] = []

    // Invariant state.
    var decided: [BlockID] = []
    var decidedRounds: [Round] = []
    /// Signed proposals per height (index h - 1): round, block and signer.
    var proposals: [[(round: Round, blockID: BlockID, proposer: Address)]] = []
    var violation: SimViolation?
    var stabilized = false
    var livenessBoundMillis: UInt64 = .max
    var honestFinished = 0
    var honestCount = 0

    // Statistics.
    var messagesSent: UInt64 = 0
    var eventsProcessed: UInt64 = 0
    var evidenceReported: UInt64 = 0
    var trace: [SimTraceEntry] = []
    let byzantineIdentities: [Int]
    let byzantineStakeFraction: Double

    /// Runs `config` to completion (all honest validators decided `heights`) or to its first
    /// violation.
    public static func run(_ config: SimConfig) -> SimRunResult {
        if let problem = config.validationError() {
            return SimRunResult.failedSetup(config, problem)
        }
        do {
            var simulation = try Simulation(config: config)
            return simulation.runLoop()
        } catch {
            return SimRunResult.failedSetup(config, "validator set refused: \(error)")
        }
    }

    init(config: SimConfig) throws(ValidatorSetError) {
        self.config = config
        var setup = SimRandom(seed: config.seed, stream: SimStream.setup)
        let keys: [KeyPair] = (0..<config.validators).compactMap { _ in
            KeyPair(seed: (0..<4).flatMap { _ in withUnsafeBytes(of: setup.next()) { Array($0) } })
        }
        precondition(keys.count == config.validators, "a 32-byte seed always makes a key pair")
        self.keys = keys
        addresses = keys.map(\.publicKey.address)
        let powers = config.stake.powers(count: config.validators, random: &setup)

        // Byzantine validators: a seeded choice kept below 1/3 of the stake, or (negative
        // control) the first `byzantine` validators whatever their stake.
        let total = powers.reduce(0, +)
        var chosen: [Int] = []
        if config.keepByzantineBelowOneThird {
            var order = Array(0..<config.validators)
            for index in order.indices.reversed() {
                order.swapAt(index, Int(setup.below(UInt64(index + 1))))
            }
            var power: Int64 = 0
            for identity in order where chosen.count < config.byzantine {
                if (power + powers[identity]) * 3 < total {
                    chosen.append(identity)
                    power += powers[identity]
                }
            }
        } else {
            chosen = Array(0..<config.byzantine)
        }
        chosen.sort()
        byzantineIdentities = chosen
        byzantineStakeFraction = total > 0 ? Double(chosen.map { powers[$0] }.reduce(0, +)) / Double(total) : 0
        var byzantineRandom = SimRandom(seed: config.seed, stream: SimStream.byzantine)
        var behaviors = [ByzantineBehavior?](repeating: nil, count: config.validators)
        for identity in chosen {
            behaviors[identity] = config.byzantineBehaviors[byzantineRandom.index(config.byzantineBehaviors.count)]
        }
        self.behaviors = behaviors
        self.byzantineRandom = byzantineRandom

        var ledger = try SimLedger(seed: config.seed, keys: keys, powers: powers, isByzantine: behaviors.map { $0 != nil },
                                   changes: config.validatorSetChanges,
                                   keepByzantineBelowOneThird: config.keepByzantineBelowOneThird)
        var nodes: [SimNode] = []
        for identity in 0..<config.validators {
            let core = Consensus(parameters: config.parameters, me: addresses[identity], height: 1,
                                 validators: ledger.set(1), nextValidators: ledger.set(2))
            nodes.append(SimNode(identity: identity, behavior: behaviors[identity], core: core))
        }
        for identity in chosen where behaviors[identity] == .twin {
            nodes.append(nodes[identity].twin())
        }
        self.ledger = ledger
        self.nodes = nodes
        honestCount = nodes.filter(\.isHonest).count

        // Faults, each from its own stream.
        var faultRandom = SimRandom(seed: config.seed, stream: SimStream.crash &+ 1_000)
        let gst = config.faults.isEmpty ? 0 : faultRandom.inRange(config.gstMillis)
        network = SimNetwork(seed: config.seed, nodeCount: nodes.count, linkLatencyMillis: config.linkLatencyMillis,
                             deliveryBoundAfterGSTMillis: config.deliveryBoundAfterGSTMillis, gstMillis: gst)
        if config.faults.contains(.loss) {
            var random = SimRandom(seed: config.seed, stream: SimStream.loss &+ 1_000)
            network.lossPerMillion = UInt32(random.inRange(50_000...300_000))
        }
        if config.faults.contains(.duplication) {
            var random = SimRandom(seed: config.seed, stream: SimStream.duplication &+ 1_000)
            network.duplicationPerMillion = UInt32(random.inRange(20_000...150_000))
        }
        if config.faults.contains(.reordering) {
            var random = SimRandom(seed: config.seed, stream: SimStream.reordering &+ 1_000)
            network.reorderingPerMillion = UInt32(random.inRange(50_000...250_000))
        }
        if config.faults.contains(.partition) {
            schedulePartitions(gst: gst)
        }
        if config.faults.contains(.crash) {
            scheduleCrashes(gst: gst)
        }
        for node in nodes.indices {
            queue.push(at: config.syncIntervalMillis + UInt64(node), .syncTick, node: node)
            queue.push(at: config.gossipIntervalMillis + UInt64(node % Int(max(1, config.gossipIntervalMillis))), .gossipTick, node: node)
        }
        // Pushed last, so a restart planned for exactly GST happens before it.
        if gst > 0 {
            queue.push(at: gst, .stabilize, node: -1)
        } else {
            stabilized = true
            livenessBoundMillis = livenessBound(fromRound: 0)
            queue.push(at: 1_000, .livenessCheck, node: -1)
        }
    }

    /// Partitions that form and heal before GST: 1-3 non-overlapping windows. With twins, each
    /// copy of a twinned validator sits on a different side (the Twins attack); otherwise the
    /// sides are a seeded split.
    private mutating func schedulePartitions(gst: UInt64) {
        var random = SimRandom(seed: config.seed, stream: SimStream.partition)
        let windows = Int(random.inRange(1...3))
        var cursor: UInt64 = 0
        for _ in 0..<windows {
            guard gst > cursor + 200 else { break }
            let start = random.inRange(cursor...(cursor + (gst - cursor) / 2))
            let end = min(gst, start + random.inRange(500...6_000))
            var sides = [UInt8](repeating: 0, count: nodes.count)
            for index in sides.indices { sides[index] = UInt8(random.below(2)) }
            if sides.allSatisfy({ $0 == sides[0] }) { sides[random.index(sides.count)] ^= 1 }
            for copy in nodes.indices where copy >= config.validators {
                // A twin copy: its original on side 0, the copy on side 1.
                sides[nodes[copy].identity] = 0
                sides[copy] = 1
            }
            plannedPartitions.append(sides)
            queue.push(at: start, .partitionStart, node: -1, payload: plannedPartitions.count - 1)
            queue.push(at: end, .partitionHeal, node: -1)
            cursor = end + 1
        }
    }

    /// 1 to max(1, nodes/3) crashes before GST, each restarting by GST.
    private mutating func scheduleCrashes(gst: UInt64) {
        guard gst > 0 else { return }
        var random = SimRandom(seed: config.seed, stream: SimStream.crash)
        let crashes = Int(random.inRange(1...UInt64(max(1, nodes.count / 3))))
        var busyUntil = [UInt64](repeating: 0, count: nodes.count)
        for _ in 0..<crashes {
            let node = random.index(nodes.count)
            let at = random.below(gst)
            guard at > busyUntil[node] else { continue }
            let back = min(gst, at + random.inRange(200...5_000))
            busyUntil[node] = back
            queue.push(at: at, .crash, node: node)
            queue.push(at: back, .restart, node: node)
        }
    }

    /// The post-GST bound: enough rounds, from the highest honest round, for the proposer
    /// rotation to reach an honest proposer and for every step to time out, plus delivery,
    /// commit wait and a block-sync interval.
    func livenessBound(fromRound start: Round) -> UInt64 {
        let rounds = UInt64(nodes.count + 4)
        var total: UInt64 = 0
        for offset in 0..<rounds {
            let round = start &+ Round(offset)
            total += config.parameters.timeoutMillis(.propose, round: round)
            total += config.parameters.timeoutMillis(.prevote, round: round)
            total += config.parameters.timeoutMillis(.precommit, round: round)
            total += 4 * config.deliveryBoundAfterGSTMillis
        }
        return total + config.parameters.commitWaitMillis + 2 * config.syncIntervalMillis
    }

    // MARK: - The loop

    mutating func runLoop() -> SimRunResult {
        for node in nodes.indices {
            feed(node, .start, log: false)
        }
        let eventsMax = UInt64(config.heights) * UInt64(nodes.count * nodes.count) * 400 + 1_000_000
        while violation == nil && honestFinished < honestCount, let event = queue.pop() {
            now = event.timeMillis
            eventsProcessed += 1
            if eventsProcessed > eventsMax {
                fail(.liveness, height: 0, node: -1, "event cap of \(eventsMax) reached")
                break
            }
            process(event)
        }
        if violation == nil && honestFinished < honestCount {
            fail(.liveness, height: 0, node: -1, "the run ran out of events")
        }
        var heightsDecided = Int.max
        for node in nodes where node.isHonest { heightsDecided = min(heightsDecided, node.store.count) }
        return SimRunResult(config: config, violation: violation, heightsDecided: heightsDecided == .max ? 0 : heightsDecided,
                            decidedRounds: decidedRounds, messages: messagesSent, events: eventsProcessed,
                            simulatedMillis: now, gstMillis: network.gstMillis, evidenceReported: evidenceReported,
                            byzantineIdentities: byzantineIdentities, byzantineStakeFraction: byzantineStakeFraction,
                            validatorUpdates: ledger.updatesApplied, trace: trace, setupError: nil)
    }

    mutating func process(_ event: SimEvent) {
        let node = Int(event.node)
        switch event.kind {
        case .deliver:
            deliver(Int(event.payload), to: node)
        case .timeout:
            let timer = timers[Int(event.payload)]
            guard !nodes[node].crashed, timer.incarnation == nodes[node].incarnation else { return }
            if config.trace { let line = "\(timer.event) fires"; note(node, timer.event.height, line) }
            // A resend changes nothing in the core: the node's driver does not log it, nor do we.
            feed(node, .timeout(timer.event), log: timer.event.kind != .resend)
        case .crash:
            crash(node)
        case .restart:
            restart(node)
        case .partitionStart:
            network.partitionSides = plannedPartitions[Int(event.payload)]
            if config.trace { let line = "partition forms: sides \(network.partitionSides?.map(String.init).joined() ?? "")"; note(-1, 0, line) }
        case .partitionHeal:
            network.partitionSides = nil
            if config.trace { let line = "partition heals"; note(-1, 0, line) }
        case .stabilize:
            stabilize()
        case .syncTick:
            syncTick(node)
            queue.push(at: now + config.syncIntervalMillis, .syncTick, node: node)
        case .gossipTick:
            gossipTick(node)
            queue.push(at: now + max(1, config.gossipIntervalMillis), .gossipTick, node: node)
        case .livenessCheck:
            checkLiveness()
            queue.push(at: now + 1_000, .livenessCheck, node: -1)
        case .blockFetched:
            guard !nodes[node].crashed else { return }
            let block = fetches[Int(event.payload)]
            if config.trace { let line = "fetched block \(block.id)"; note(node, block.height, line) }
            feed(node, .block(block, blockIsValid: isValid(block, at: node)), log: true)
        }
    }

    mutating func stabilize() {
        stabilized = true
        network.partitionSides = nil
        if config.trace { let line = "GST: faults stop"; note(-1, 0, line) }
        var highest: Round = 0
        for node in nodes where node.isHonest { highest = max(highest, node.core.round) }
        livenessBoundMillis = livenessBound(fromRound: highest)
        for index in nodes.indices { nodes[index].lastProgressMillis = max(nodes[index].lastProgressMillis, now) }
        queue.push(at: now + 1_000, .livenessCheck, node: -1)
    }

    mutating func crash(_ node: Int) {
        guard !nodes[node].crashed else { return }
        if config.trace { let line = "crashes"; note(node, nodes[node].core.height, line) }
        nodes[node].crashed = true
        nodes[node].syncInFlight = false
        nodes[node].forgetGossip()
    }

    // MARK: - Tracing

    mutating func note(_ node: Int, _ height: Height, _ text: String) {
        trace.append(SimTraceEntry(timeMillis: now, node: node, height: height, text: text))
    }

    mutating func fail(_ kind: SimViolation.Kind, height: Height, node: Int, _ detail: String) {
        guard violation == nil else { return }
        violation = SimViolation(kind: kind, height: height, timeMillis: now, node: node, detail: detail)
        if config.trace { let line = "VIOLATION \(kind.rawValue): \(detail)"; note(node, height, line) }
    }
}

extension SimRunResult {
    static func failedSetup(_ config: SimConfig, _ problem: String) -> SimRunResult {
        SimRunResult(config: config, violation: nil, heightsDecided: 0, decidedRounds: [], messages: 0, events: 0,
                     simulatedMillis: 0, gstMillis: 0, evidenceReported: 0, byzantineIdentities: [],
                     byzantineStakeFraction: 0, validatorUpdates: 0, trace: [], setupError: problem)
    }
}
