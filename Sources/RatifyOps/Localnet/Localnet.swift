import RatifyNode
import Foundation
import RatifyCore
import Synchronization

/// `ratify localnet`: runs each validator home as its own `ratify start` process, follows
/// their finalized heights, prints one line per height that every validator has finalized,
/// and on stop (Ctrl-C, SIGTERM or `durationSeconds`) stops them and sums up.
public final class Localnet: Sendable {
    public struct Options: Sendable {
        public var validators: Int
        public var genesisFile: String
        public var homesDirectory: String
        /// Copy the homes to a temporary directory first, so the originals stay clean.
        public var fresh: Bool
        public var durationSeconds: Double?
        /// The `ratify` binary to start for each node.
        public var binary: String
        /// Called with every finalized line a node logs (node index second), for benchmarks.
        public var onFinalized: (@Sendable (FinalizedLine, Int) -> Void)?
        /// Called with every new-tip line a proof-of-work node logs (node index second), for benchmarks.
        public var onTip: (@Sendable (PoWTipLine, Int) -> Void)?
        /// Called with every checkpoint step line a hybrid node logs (node index second), for benchmarks.
        public var onCheckpoint: (@Sendable (CheckpointLine, Int) -> Void)?
        /// Echo node lines with errors; a benchmark turns this off and reports them itself.
        public var echoErrors = true
        /// Words put before `binary start --home H` for node i, e.g. `Tools/netns.sh exec i` to
        /// run it in its network namespace. The wrapper must exec the node, so that its
        /// process id is the node's (signals go to it).
        public var launchPrefix: (@Sendable (Int) -> [String])?
        /// Also append everything node i prints to `<home>/<logFileName>` (kept across
        /// relaunches), for a post-mortem; nil keeps no log.
        public var logFileName: String?
        /// Move each validator's key into a signer home beside its node home and run a `ratify
        /// signer start` per validator, which its node signs through over loopback. This rewrites
        /// the homes (config.toml, the key file): with homes to keep, set `fresh` too.
        public var remoteSigners = false

        public init(validators: Int, genesisFile: String, homesDirectory: String, fresh: Bool,
                    durationSeconds: Double?, binary: String) {
            self.validators = validators
            self.genesisFile = genesisFile
            self.homesDirectory = homesDirectory
            self.fresh = fresh
            self.durationSeconds = durationSeconds
            self.binary = binary
        }
    }

    public struct Summary: Sendable, CustomStringConvertible {
        /// Proof-of-work chains: the tips every node reached and the reorganizations they made.
        public struct PoW: Sendable {
            public var tipHeight: UInt64
            public var finalHeight: UInt64
            public var reorgs: Int
            public var reorgDepthMax: Int
            public var transactions: Int
        }
        public var pow: PoW?
        public var heights: Int
        public var seconds: Double
        public var latenciesMillis: [Double]
        public var roundsAboveZero: Int
        public var transactions: Int
        /// Heights at which two nodes logged different block hashes (must be empty).
        public var disagreements: [UInt64]

        public var description: String {
            if let pow {
                let rate = seconds > 0 ? Double(pow.tipHeight) / seconds : 0
                return """
                    tip height reached by every node: \(pow.tipHeight) in \(String(format: "%.1f", seconds)) s \
                    (\(String(format: "%.2f", rate)) blocks/s), final height \(pow.finalHeight), transactions: \(pow.transactions)
                    reorganizations: \(pow.reorgs) (deepest \(pow.reorgDepthMax) blocks)
                    """
            }
            let sorted = latenciesMillis.sorted()
            func percentile(_ p: Double) -> String {
                guard !sorted.isEmpty else { return "-" }
                let index = min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded(.up)))
                return String(format: "%.1f ms", sorted[index])
            }
            let rate = seconds > 0 ? Double(heights) / seconds : 0
            return """
                heights finalized by every validator: \(heights) in \(String(format: "%.1f", seconds)) s \
                (\(String(format: "%.2f", rate)) blocks/s), transactions: \(transactions), heights needing more than one round: \(roundsAboveZero)
                finality latency (proposal time to decision, per node): p50 \(percentile(0.5)), p99 \(percentile(0.99)), max \(percentile(1))
                block hashes: \(disagreements.isEmpty ? "identical on every node at every height" : "DISAGREE at heights \(disagreements)")
                """
        }
    }

    struct Progress {
        var perHeight: [UInt64: [Int: FinalizedLine]] = [:]
        var reported: UInt64 = 0
        var latencies: [Double] = []
        var roundsAboveZero = 0
        var transactions = 0
        var disagreements: [UInt64] = []
        var partialLines: [Int: [UInt8]] = [:]
        /// Each node's latest complete line, for the message when it exits.
        var lastLines: [Int: String] = [:]
        /// Proof-of-work chains: each node's latest tip, the highest tip reported, reorgs seen.
        var tips: [Int: PoWTipLine] = [:]
        var reportedTip: UInt64 = 0
        var reorgs = 0
        var reorgDepthMax = 0
        var tipTransactions: [UInt64: Int] = [:]
        var firstTips: [UInt64: (line: PoWTipLine, seen: Date)] = [:]
    }

    let options: Options
    let print: @Sendable (String) -> Void
    let progress = Mutex(Progress())
    /// In node order; a node that is relaunched gets its slot back.
    let processes = Mutex<[Process]>([])
    let homes = Mutex<[String]>([])
    /// With `remoteSigners`: the signer processes, in node order.
    let signerProcesses = Mutex<[Process]>([])

    public init(options: Options, print: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.print = print
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs until the task is cancelled or the duration is over, and returns the summary.
    /// `onLaunched` runs once every validator process has started: a caller that changes its
    /// own signal handling must do it there, because children inherit ignored signals.
    public func run(onLaunched: @Sendable () -> Void = {}) async throws -> Summary {
        let homes = try launchAll()
        let started = Date()
        onLaunched()
        print("started \(homes.count) validators (\(homes.joined(separator: ", "))); Ctrl-C stops them")
        let deadline = options.durationSeconds.map { started.addingTimeInterval($0) }
        while !Task.isCancelled {
            if let deadline, Date() >= deadline { break }
            let exited = processes.withLock { $0.enumerated().filter { !$0.element.isRunning } }
            if let (node, process) = exited.first {
                stopAll()
                let last = progress.withLock { $0.lastLines[node] } ?? "none"
                throw Failure(description: "validator node\(node) exited unexpectedly (status \(process.terminationStatus)); its last line: \(last)")
            }
            try? await Task.sleep(nanoseconds: 200_000_000)
        }
        stopAll()
        let seconds = Date().timeIntervalSince(started)
        return progress.withLock { progress in
            var summary = Summary(heights: Int(progress.reported), seconds: seconds, latenciesMillis: progress.latencies,
                                  roundsAboveZero: progress.roundsAboveZero, transactions: progress.transactions,
                                  disagreements: progress.disagreements)
            if !progress.tips.isEmpty {
                let common = progress.tips.count == options.validators ? progress.tips.values.map(\.height).min() ?? 0 : 0
                summary.pow = Summary.PoW(tipHeight: common, finalHeight: progress.tips.values.map(\.finalHeight).min() ?? 0,
                                          reorgs: progress.reorgs, reorgDepthMax: progress.reorgDepthMax,
                                          transactions: progress.tipTransactions.filter { $0.key <= common }.values.reduce(0, +))
            }
            return summary
        }
    }

    /// Checks the homes against the genesis and, with `fresh`, copies them somewhere new.
    func prepareHomes() throws -> [String] {
        let genesis: Genesis
        do { genesis = try GenesisFile.load(options.genesisFile) } catch { throw Failure(description: "\(error)") }
        let files = FileManager.default
        var homes: [String] = []
        let destination = options.fresh ? files.temporaryDirectory.appendingPathComponent("ratify-localnet-\(UUID().uuidString)").path : nil
        let powDestination = files.temporaryDirectory.appendingPathComponent("ratify-localnet-pow-\(UUID().uuidString)").path
        for index in 0..<options.validators {
            var home = "\(options.homesDirectory)/node\(index)"
            let homeGenesis: Genesis
            do { homeGenesis = try NodeHome(home).loadGenesis() } catch { throw Failure(description: "\(error)") }
            // A proof-of-work or hybrid chain runs on the same homes (their keys and ports; a
            // hybrid genesis names the same validator keys): on copies, with that genesis written in.
            let adoptGenesis = homeGenesis.genesisHash != genesis.genesisHash && genesis.mode != .pos
            guard homeGenesis.genesisHash == genesis.genesisHash || adoptGenesis else {
                throw Failure(description: "\(home)/config/genesis.json differs from \(options.genesisFile); regenerate the homes (Tools/make-localnet-files.sh) or pass --genesis")
            }
            if let target = destination ?? (adoptGenesis ? powDestination : nil) {
                let copy = "\(target)/node\(index)"
                try files.createDirectory(atPath: copy, withIntermediateDirectories: true)
                try files.copyItem(atPath: "\(home)/config", toPath: "\(copy)/config")
                if adoptGenesis {
                    do { try GenesisFile.write(genesis, to: NodeHome(copy).genesisFile) } catch { throw Failure(description: "\(error)") }
                }
                home = copy
            }
            homes.append(home)
        }
        if options.remoteSigners {
            for home in homes { try moveKeyToSigner(home) }
        }
        return homes
    }

    /// The signer home beside a node home (`.../node3` -> `.../node3-signer`).
    static func signerHome(of home: String) -> String { home + "-signer" }

    /// Moves the node's key into its signer home, which listens on the node's p2p port + 6 (in
    /// the block of ten ports `LocalPorts` keeps per node, unused by the node itself).
    func moveKeyToSigner(_ home: String) throws {
        do {
            let p2p = try NodeHome(home).loadConfig().p2p.listenAddress
            let (port, overflow) = p2p.port.addingReportingOverflow(Self.signerPortOffset)
            guard !overflow else { throw Failure(description: "\(home): no port above \(p2p.port) for its signer") }
            let listen = HostPort(host: p2p.host == "0.0.0.0" ? "127.0.0.1" : p2p.host, port: port)
            try RemoteSignerSetup.move(nodeHome: NodeHome(home), to: SignerHome(Self.signerHome(of: home)), listen: listen)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "\(error)")
        }
    }

    static let signerPortOffset: UInt16 = 6

    /// Prepares the homes and starts one `ratify start` per validator; returns the homes.
    /// `run` supervises them; a caller that perturbs nodes (`ratify chaos`) uses this and the
    /// per-node controls below instead, since a node it kills must not end the localnet.
    @discardableResult
    public func launchAll() throws -> [String] {
        let prepared = try prepareHomes()
        homes.withLock { $0 = prepared }
        if options.remoteSigners {
            for home in prepared { try launchSigner(home: home) }
        }
        for (index, home) in prepared.enumerated() {
            try launch(index: index, home: home)
        }
        return prepared
    }

    /// The home directory of node `index` (after `launchAll`).
    public func home(of index: Int) -> String? {
        homes.withLock { $0.indices.contains(index) ? $0[index] : nil }
    }

    /// Sends `signal` to node `index`'s process, if it is running.
    public func signal(node index: Int, _ signal: Int32) {
        let process = processes.withLock { $0.indices.contains(index) ? $0[index] : nil }
        if let process, process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Whether node `index`'s process is running (a stopped, SIGSTOPped one counts as running).
    public func isRunning(node index: Int) -> Bool {
        processes.withLock { $0.indices.contains(index) && $0[index].isRunning }
    }

    /// Waits up to `timeoutSeconds` for node `index`'s process to exit; true when it has.
    public func waitForExit(node index: Int, timeoutSeconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while isRunning(node: index), Date() < deadline { try? await Task.sleep(nanoseconds: 20_000_000) }
        return !isRunning(node: index)
    }

    /// Starts node `index` again on its home (its previous process must have exited), with
    /// `environment` added to this process's environment (fault injection switches).
    public func relaunch(node index: Int, environment: [String: String] = [:]) throws {
        guard let home = home(of: index) else { throw Failure(description: "node\(index) was never launched") }
        guard !isRunning(node: index) else { throw Failure(description: "node\(index) is still running; stop it before relaunching") }
        progress.withLock { $0.partialLines[index] = nil }
        try launch(index: index, home: home, environment: environment)
    }

    func launch(index: Int, home: String, environment: [String: String] = [:]) throws {
        let process = Process()
        let command = (options.launchPrefix?(index) ?? []) + [options.binary, "start", "--home", home]
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        let log = options.logFileName.flatMap { name in Self.openLog(home + "/" + name) }
        do {
            try process.run()
        } catch {
            try? log?.close()
            throw Failure(description: "cannot start \(options.binary): \(error)")
        }
        follow(pipe.fileHandleForReading, of: index, log: log)
        processes.withLock { processes in
            if processes.indices.contains(index) { processes[index] = process } else { processes.append(process) }
        }
    }

    /// Reads node `index`'s output until it closes it (the process exited), on a thread of its
    /// own that sleeps in `read`: a line the node writes wakes that one thread, where a dispatch
    /// source (`readabilityHandler`) woke two, and the benchmarks measure a machine whose cores
    /// these wake-ups share with the nodes. Started after the process, whose launch closed this
    /// process's copy of the pipe's write end, so the read ends when the node's ends.
    func follow(_ output: FileHandle, of index: Int, log: FileHandle?) {
        let reader = Thread { [weak self] in
            // Named from inside: Foundation names only the calling thread (`ps -T`, `perf`).
            Thread.current.name = "node\(index) output"
            let descriptor = output.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                let bytes = Array(buffer[..<count])
                log?.write(Data(bytes))
                self?.consume(bytes, from: index)
            }
            try? output.close()
            try? log?.close()
        }
        reader.start()
    }

    /// Starts `ratify signer start` for node home `home`'s signer, its output in the signer
    /// home's signer.log.
    func launchSigner(home: String) throws {
        let signerHome = Self.signerHome(of: home)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: options.binary)
        process.arguments = ["signer", "start", "--home", signerHome]
        let log = Self.openLog(signerHome + "/signer.log")
        process.standardOutput = log
        process.standardError = log
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start \(options.binary) signer start: \(error)")
        }
        signerProcesses.withLock { $0.append(process) }
    }

    /// A log file opened for appending (created if missing); nil when it cannot be.
    static func openLog(_ path: String) -> FileHandle? {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = FileHandle(forWritingAtPath: path)
        handle?.seekToEndOfFile()
        return handle
    }

    func consume(_ bytes: [UInt8], from node: Int) {
        let lines: [String] = progress.withLock { progress in
            var buffer = progress.partialLines[node, default: []] + bytes
            var lines: [String] = []
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(String(decoding: buffer[..<newline], as: UTF8.self))
                buffer.removeSubrange(...newline)
            }
            progress.partialLines[node] = buffer
            if let last = lines.last { progress.lastLines[node] = last }
            return lines
        }
        for line in lines {
            if options.echoErrors, Self.isErrorLine(line) { print("node\(node): \(line)") }
            if let tip = PoWTipLine(line[...]) {
                options.onTip?(tip, node)
                recordTip(tip, from: node)
                continue
            }
            if let checkpoint = CheckpointLine(line[...]) {
                options.onCheckpoint?(checkpoint, node)
                continue
            }
            guard let finalized = FinalizedLine(line[...]) else { continue }
            options.onFinalized?(finalized, node)
            record(finalized, from: node)
        }
    }

    /// Whether a node's log line is at level error or critical: its second word, after the
    /// time (`TIME LEVEL LABEL: ...`, docs/NODE.md). Runs on every line the nodes of a benchmark
    /// print, so it reads a few bytes instead of searching the line.
    static func isErrorLine(_ line: String) -> Bool {
        let bytes = line.utf8
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")) else { return false }
        let level = bytes[bytes.index(after: space)...].prefix { $0 != UInt8(ascii: " ") }
        return level.elementsEqual("error".utf8) || level.elementsEqual("critical".utf8)
    }

    func record(_ line: FinalizedLine, from node: Int) {
        let report: String? = progress.withLock { progress in
            progress.perHeight[line.height, default: [:]][node] = line
            progress.latencies.append(line.latencyMillis)
            let next = progress.reported + 1
            guard let lines = progress.perHeight[next], lines.count == options.validators else { return nil }
            progress.reported = next
            progress.perHeight[next] = nil
            let hashes = Set(lines.values.map(\.blockHash))
            if hashes.count > 1 { progress.disagreements.append(next) }
            let first = lines.values.first
            if (first?.round ?? 0) > 0 { progress.roundsAboveZero += 1 }
            progress.transactions += first?.transactions ?? 0
            let latencies = lines.values.map(\.latencyMillis).sorted()
            let median = latencies[latencies.count / 2]
            return String(format: "height %llu  round %u  txs %d  hash %@  finality %.1f ms (median of %d nodes, max %.1f ms)%@",
                          next, first?.round ?? 0, first?.transactions ?? 0, first?.blockHash ?? "-", median, latencies.count,
                          latencies.last ?? 0, hashes.count > 1 ? "  HASHES DISAGREE" : "")
        }
        if let report { print(report) }
    }

    /// Proof-of-work chains: one line per height once every node's tip has reached it (with
    /// the first tip logged at that height, and how long the last node took to get there),
    /// and one per reorganization.
    func recordTip(_ line: PoWTipLine, from node: Int) {
        let now = Date()
        let reports: [String] = progress.withLock { progress in
            progress.tips[node] = line
            progress.tipTransactions[line.height] = line.transactions
            if progress.firstTips[line.height] == nil { progress.firstTips[line.height] = (line, now) }
            var reports: [String] = []
            if line.reorgDepth > 0 {
                progress.reorgs += 1
                progress.reorgDepthMax = max(progress.reorgDepthMax, line.reorgDepth)
                reports.append("node\(node) reorganized: \(line.reorgDepth) block(s) replaced, new tip \(line.height) \(line.blockHash.prefix(16))")
            }
            guard progress.tips.count == options.validators, let common = progress.tips.values.map(\.height).min() else { return reports }
            while progress.reportedTip < common {
                progress.reportedTip += 1
                guard let (first, seen) = progress.firstTips.removeValue(forKey: progress.reportedTip) else { continue }
                reports.append(String(format: "tip %llu  hash %@  txs %d  interval %.1f s  final %llu  on every node after %.0f ms",
                                      first.height, String(first.blockHash.prefix(16)), first.transactions,
                                      first.intervalMillis / 1_000, first.finalHeight, now.timeIntervalSince(seen) * 1_000))
            }
            return reports
        }
        for report in reports { print(report) }
    }

    /// The running validators' process ids, in node order (for RSS and CPU sampling).
    public var processIdentifiers: [Int32] {
        processes.withLock { $0.map(\.processIdentifier) }
    }

    /// Stops every validator (and signer): SIGTERM, then SIGKILL after 5 seconds.
    public func stopAll() {
        let running = processes.withLock { $0 } + signerProcesses.withLock { $0 }
        for process in running where process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(5)
        while running.contains(where: \.isRunning), Date() < deadline { usleep(50_000) }
        for process in running where process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
