import ArgumentParser
import Foundation
import RatifyCore
import RatifyNode
import RatifyPoW

/// `ratify pow`: proof-of-work tools (docs/POW.md). Parsing and printing only; the work is in
/// RatifyPoW.
struct PoWCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pow",
        abstract: "Proof-of-work tools: hash a header, decode bits, retarget, benchmark the hashing core, make a long chain.",
        subcommands: [PoWHashCommand.self, PoWTargetCommand.self, PoWRetargetCommand.self, PoWBenchCommand.self,
                      PoWMakeChainCommand.self]
    )
}

/// `ratify pow make-chain --home DIR --blocks N`
struct PoWMakeChainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-chain",
        abstract: "Mine empty blocks onto a stopped node's pow chain, stamped one target spacing apart from the genesis time.",
        discussion: """
            For block-sync benchmarks (Tools/bench-pow-sync.sh): a running node's miner stamps blocks \
            with its clock and the median-time-past rule keeps it to about six blocks a second, so a \
            long chain is made here instead, into the home's store as the node stores mined blocks. \
            The genesis must be "pow", have an easy target (such as 207fffff) and lie far enough in \
            the past that the last block is not ahead of the clock. The node must be stopped.
            """
    )

    @Option(help: "The node home whose chain to extend.")
    var home: String
    @Option(help: "How many blocks to add (1...10000000).")
    var blocks: Int

    func validate() throws {
        guard (1...10_000_000).contains(blocks) else { throw ValidationError("--blocks \(blocks) is outside 1...10000000") }
    }

    func run() throws {
        do {
            let made = try PoWChainMaker.extend(homePath: home, count: blocks)
            print("height \(made.height) tip \(made.tipHash) (\(blocks) blocks in \(String(format: "%.1f", made.seconds)) s)")
        } catch {
            throw StandardError.fail("pow make-chain: \(error)")
        }
    }
}

/// `ratify pow hash HEADER_HEX`
struct PoWHashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Print an 80-byte header's hash (display order) and whether it meets its own bits.",
        discussion: """
            HEADER_HEX is 160 hex digits, as `bitcoin-cli getblockheader HASH false` prints. \
            Exits 1 when the header does not meet its target.
            """
    )

    @Argument(help: "The header, 160 hex digits.")
    var headerHex: String

    @Flag(help: "Print JSON: hash, bits, target (null when the bits encode none), work, valid.")
    var json = false

    func run() throws {
        let header: BlockHeader80
        do {
            header = try BlockHeader80(hex: headerHex.trimmingWhitespace)
        } catch {
            throw StandardError.fail("pow hash: \(error)")
        }
        let hash = header.hash
        guard let target = header.bits.target else {
            let problem = PoWParams.compactBitsProblem(header.bits.bits) ?? "the target is zero"
            PoWFields([("hash", .string(hash.displayHex), hash.displayHex), ("bits", .string(header.bits.hex), header.bits.hex),
                       ("target", .null, "none: \(problem)"), ("valid", .bool(false), "no")]).print(json: json)
            throw ExitCode.failure
        }
        let valid = hash.value <= target
        PoWFields([("hash", .string(hash.displayHex), hash.displayHex), ("bits", .string(header.bits.hex), header.bits.hex),
                   ("target", .string(target.hex), target.hex), ("work", .string(header.bits.work.hex), header.bits.work.hex),
                   ("valid", .bool(valid), valid ? "yes: the hash is at or below the target" : "no: the hash is above the target")])
            .print(json: json)
        if !valid { throw ExitCode.failure }
    }
}

/// `ratify pow target BITS`
struct PoWTargetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "target",
        abstract: "Print the 256-bit target and chain work that compact BITS encode.",
        discussion: "BITS is 8 hex digits with or without 0x, e.g. 1d00ffff. Exits 1 for bits no header can meet."
    )

    @Argument(help: "Compact bits, e.g. 1d00ffff.")
    var bits: String

    @Flag(help: "Print JSON: bits, target, work and the shortest encoding of the target.")
    var json = false

    func run() throws {
        guard let compact = CompactTarget(hex: bits.trimmingWhitespace) else {
            throw StandardError.fail("pow target: \"\(bits)\" is not compact bits; expected up to 8 hex digits such as 1d00ffff")
        }
        guard let target = compact.target else {
            let problem = PoWParams.compactBitsProblem(compact.bits) ?? "the target is zero"
            throw StandardError.fail("pow target: \(compact.hex) is not a usable target: \(problem)")
        }
        let canonical = CompactTarget(target: target)
        var fields = PoWFields([("bits", .string(compact.hex), compact.hex), ("target", .string(target.hex), target.hex),
                                ("work", .string(compact.work.hex), compact.work.hex)])
        if json {
            fields.fields.append(("shortest_bits", .string(canonical.hex), canonical.hex))
        } else if canonical != compact {
            fields.fields.append(("note", .null, "the shortest encoding of this target is \(canonical.hex)"))
        }
        fields.print(json: json)
    }
}

/// `ratify pow retarget --bits BITS --timespan SECONDS`
struct PoWRetargetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retarget",
        abstract: "Print the next bits under Bitcoin mainnet's rule (2016 blocks, two weeks, ×4 clamp, limit 1d00ffff).",
        discussion: """
            --timespan is the last interval's actual time: the time of its last block minus the \
            time of its first, in seconds. Example (Bitcoin's first adjustment, block 32256): \
            ratify pow retarget --bits 1d00ffff --timespan 1022578 prints 1d00d86a.
            """
    )

    @Option(help: "The last block's compact bits, e.g. 1d00ffff.")
    var bits: String

    @Option(help: "The interval's actual duration in seconds (clamped to 302400...4838400).")
    var timespan: Int64

    @Flag(help: "Print JSON: bits, target, and the timespan as given and as clamped.")
    var json = false

    func run() throws {
        guard let compact = CompactTarget(hex: bits.trimmingWhitespace) else {
            throw StandardError.fail("pow retarget: --bits \"\(bits)\" is not compact bits; expected up to 8 hex digits such as 1d00ffff")
        }
        let rule = BitcoinRetarget.bitcoinMainnet
        let next = rule.nextBits(lastBits: compact, actualTimespan: timespan)
        let clamped = rule.clampedTimespan(timespan)
        var fields = PoWFields([("bits", .string(next.hex), next.hex), ("target", .string(next.decoded.target.hex), next.decoded.target.hex)],
                               textColumn: 10)
        if json {
            fields.fields += [("timespan_s", .number(String(timespan)), ""), ("clamped_timespan_s", .number(String(clamped)), "")]
        } else if clamped != timespan {
            fields.fields.append(("timespan", .null, "\(timespan) s clamped to \(clamped) s"))
        }
        fields.print(json: json)
    }
}

/// `ratify pow bench [--threads N] [--seconds S]`
struct PoWBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the hashing core: hashes per second per thread and in total, and cancellation latency.",
        discussion: """
            Build in release mode first (swift build -c release); Tools/bench-pow.sh runs this \
            beside the C reference loop and prints both (docs/PERFORMANCE.md, "Proof of work").
            """
    )

    @Option(help: "Hashing threads (1...\(ParallelMiner.threadCountMax)); default: one per core.")
    var threads: Int?

    @Option(help: "How long to hash, in seconds (0.1...3600).")
    var seconds: Double = 5

    @Option(help: "Cancellation trials after the timed run (0...1000).")
    var cancelTrials: Int = 20

    @Option(help: "Compression code: sha-ni-x2 (two nonces interleaved, the default where the CPU has SHA-NI) or openssl (SHA256_Transform).")
    var core: HashingCore = .fastest

    @Flag(help: "Print JSON: core, threads, seconds, hashes per second in total and per thread, cancellation latencies.")
    var json = false

    func validate() throws {
        if let threads, !(1...ParallelMiner.threadCountMax).contains(threads) {
            throw ValidationError("--threads \(threads) is outside 1...\(ParallelMiner.threadCountMax)")
        }
        guard (0.1...3600).contains(seconds) else { throw ValidationError("--seconds \(seconds) is outside 0.1...3600") }
        guard (0...1000).contains(cancelTrials) else { throw ValidationError("--cancel-trials \(cancelTrials) is outside 0...1000") }
    }

    func run() throws {
        let threadCount = threads ?? max(1, min(ParallelMiner.threadCountMax, ProcessInfo.processInfo.activeProcessorCount))
        #if DEBUG
        StandardError.write("warning: debug build; measure with swift build -c release")
        #endif
        guard core.isAvailable else { throw StandardError.fail("pow bench: --core \(core.rawValue) needs a CPU with the SHA extensions; use --core openssl") }
        let result = HashRateBenchmark(threadCount: threadCount, seconds: seconds, cancelTrials: cancelTrials, core: core).run()
        if json {
            let number = { (value: Double) in JSONValue.number(String(format: "%.3f", value)) }
            let fields: [JSONValue.Member] = [
                JSONValue.Member("core", .string(result.core.rawValue)),
                JSONValue.Member("threads", .number(String(threadCount))),
                JSONValue.Member("seconds", number(result.elapsedSeconds)),
                JSONValue.Member("hashes", .number(String(result.hashes))),
                JSONValue.Member("hashes_per_second", number(result.hashesPerSecond)),
                JSONValue.Member("hashes_per_second_per_thread", .array(result.hashesPerSecondPerThread.map(number))),
                JSONValue.Member("cancel_latencies_ms", .array(result.cancelLatenciesMillis.map(number))),
            ]
            return ResultOutput.printJSON(.object(fields))
        }
        print("core         \(result.core.rawValue)")
        print("threads      \(threadCount)")
        print(String(format: "seconds      %.2f", result.elapsedSeconds))
        for (index, rate) in result.hashesPerSecondPerThread.enumerated() {
            print(String(format: "thread %-4d  %.2f MH/s", index, rate / 1e6))
        }
        print(String(format: "per-thread   %.2f MH/s (mean)", result.hashesPerSecond / Double(threadCount) / 1e6))
        print(String(format: "total        %.2f MH/s", result.hashesPerSecond / 1e6))
        if let maxLatency = result.cancelLatenciesMillis.last {
            let median = result.cancelLatenciesMillis[result.cancelLatenciesMillis.count / 2]
            print(String(format: "cancel       median %.3f ms, max %.3f ms over %d trials", median, maxLatency,
                         result.cancelLatenciesMillis.count))
        }
    }
}

/// What a `pow` command prints: `name  value` lines, or with `--json` one object of the same
/// names. A field whose JSON is `.null` and whose text is a remark (`note`) still prints as text.
struct PoWFields {
    var fields: [(name: String, json: JSONValue, text: String)]
    /// The text's value column, as docs/POW.md shows it.
    var textColumn = 8

    init(_ fields: [(name: String, json: JSONValue, text: String)], textColumn: Int = 8) {
        self.fields = fields
        self.textColumn = textColumn
    }

    func print(json: Bool) {
        if json {
            ResultOutput.printJSON(.object(fields.map { JSONValue.Member($0.name, $0.json) }))
        } else {
            for field in fields {
                Swift.print(field.name + String(repeating: " ", count: max(1, textColumn - field.name.count)) + field.text)
            }
        }
    }
}

private extension String {
    var trimmingWhitespace: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

extension HashingCore: ExpressibleByArgument {}
