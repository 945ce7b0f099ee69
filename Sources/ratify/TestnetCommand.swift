import ArgumentParser
import Foundation
import RatifyCore
import RatifyNode
import RatifyOps

/// `ratify testnet`: writes a genesis and N node homes that dial each other.
struct TestnetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "testnet",
        abstract: "Write a genesis and N validator homes for a local testnet.",
        discussion: """
            Node i listens on BASE+10*i (p2p), +1 (rpc), +2 (udp votes), +4 (prometheus). \
            With --hosts (one address per validator, for separate machines) each node listens on \
            its own address at BASE, +1, +2, +4 instead; nodes listed on the same host still get \
            BASE+10*k. Every node lists all others as persistent peers; each validator gets a \
            funded account.
            """
    )

    @Option(name: .customLong("validators"), help: "Number of validators (1-\(TestnetGenerator.validatorsMax)).")
    var validatorCount: Int

    @Option(help: "Directory to write genesis.json and node0..node{N-1} into.")
    var output: String

    @Option(name: .customLong("chain-id"), help: "Chain id, 1-50 characters of A-Z a-z 0-9 . _ -.")
    var chainID = "ratify-localnet"

    @Option(help: "Chain mode: pos, pow or hybrid.")
    var mode = "pos"

    @Option(name: .customLong("base-port"), help: "First port; node i uses BASE+10*i to BASE+10*i+4 (with --hosts, BASE to BASE+4 on its own host).")
    var basePort: UInt16 = 26656

    @Option(help: "Host every node listens on and is dialled at (default 127.0.0.1).")
    var host: String?

    @Option(help: "Comma-separated host of each validator in order (10.0.0.1,10.0.0.2,...), for validators on separate machines.")
    var hosts: String?

    @Option(name: .customLong("genesis-time"), help: "RFC 3339 UTC genesis time (default: now).")
    var genesisTime: String?

    @Option(help: "64 hex digits: derive every key from this seed (INSECURE; reproducible dev files only).")
    var seed: String?

    @Option(name: .customLong("heartbeat-ms"), help: "Empty-block interval in milliseconds (consensus.heartbeat_ms).")
    var heartbeatMillis: UInt64 = 1_000

    @Option(name: .customLong("pow-initial-bits"), help: "pow: the first and easiest difficulty, 8 hex digits of compact bits (default 1e007000).")
    var powInitialBits: String?

    @Option(name: .customLong("target-block-ms"), help: "pow: the block interval the difficulty aims for (default 1500).")
    var targetBlockMillis: UInt64?

    @Option(name: .customLong("epoch-length"), help: "hybrid: blocks per checkpoint epoch (default 4).")
    var epochLength: UInt64?

    @Flag(help: "Print JSON: the genesis summary and each node's home, node id, peer address and keys.")
    var json = false

    /// `--pow-initial-bits` and `--target-block-ms`, checked, into a genesis `pow` section
    /// (shared with `ratify bench compare`).
    static func apply(powInitialBits: String?, targetBlockMillis: UInt64?, to pow: inout PoWParams) throws {
        if let powInitialBits {
            guard powInitialBits.count == 8, let bits = UInt32(powInitialBits, radix: 16) else {
                throw StandardError.fail("--pow-initial-bits: expected 8 hex digits such as 1e007000, got \"\(powInitialBits)\"")
            }
            pow.initialBits = bits
        }
        if let targetBlockMillis {
            guard targetBlockMillis > 0 else { throw StandardError.fail("--target-block-ms must be positive") }
            pow.targetBlockMillis = targetBlockMillis
        }
    }

    func run() throws {
        guard let chainMode = ChainMode(rawValue: mode) else {
            throw StandardError.fail("--mode: expected pos, pow or hybrid, got \"\(mode)\"")
        }
        let time: GenesisTime
        if let genesisTime {
            guard let parsed = GenesisTime(rfc3339: genesisTime) else {
                throw StandardError.fail("--genesis-time: expected an RFC 3339 UTC time like 2026-01-01T00:00:00Z, got \"\(genesisTime)\"")
            }
            time = parsed
        } else {
            guard let now = GenesisTime(unixSeconds: Int64(Date().timeIntervalSince1970)) else {
                throw StandardError.fail("the system clock is outside years 1-9999; pass --genesis-time")
            }
            time = now
        }
        var options = TestnetGenerator.Options(validatorCount: validatorCount, genesisTime: time)
        options.chainID = chainID
        options.mode = chainMode
        options.basePort = basePort
        switch (host, hosts) {
        case (.some, .some):
            throw StandardError.fail("--host and --hosts: give one or the other")
        case (let host?, nil):
            options.host = host
        case (nil, let hosts?):
            options.hosts = hosts.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
        case (nil, nil):
            break
        }
        guard heartbeatMillis > 0 else { throw StandardError.fail("--heartbeat-ms must be positive") }
        try Self.apply(powInitialBits: powInitialBits, targetBlockMillis: targetBlockMillis, to: &options.pow)
        if let epochLength {
            guard chainMode == .hybrid else {
                throw StandardError.fail("--epoch-length: checkpoint epochs exist on hybrid chains only; add --mode hybrid or drop it")
            }
            options.hybridEpochLength = epochLength
        }
        options.heartbeatMillis = heartbeatMillis
        if let seed {
            guard let bytes = Hex.decode(seed) else {
                throw StandardError.fail("--seed: expected 64 hex digits, got \"\(seed)\"")
            }
            options.seed = bytes
        }
        do {
            let plan = try TestnetGenerator.plan(options)
            try TestnetGenerator.write(plan, to: output)
            if let range = EphemeralPorts.current(), let warning = EphemeralPorts.warning(for: plan, range: range) {
                FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
            }
            ResultOutput.print(json: json, plan.json(directory: output), text: plan.text(directory: output))
        } catch {
            throw StandardError.fail(error)
        }
    }
}
