import Foundation
import RatifyTestSupport
import Testing

/// `--json` means "print JSON on standard output" on every command that prints, and
/// `--json-file FILE` writes a report file; the old `--json FILE` form is refused with a line
/// naming the new flag. Runs the built `ratify` binary, as a user would.
@Suite("ratify CLI: --json and --json-file")
struct JSONFlagCLITests {
    let cli = CLITests()

    /// Standard output as one JSON object (the whole of it: nothing printed around the JSON).
    func object(_ stdout: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any], "not a JSON object: \(stdout)")
    }

    @Test("bench, chaos and check history refuse the old --json FILE before running anything, naming --json-file")
    func oldFileFormRefused() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/report.json"
        let commands: [[String]] = [
            ["bench", "finality", "--duration", "600", "--json", file],
            ["bench", "compare", "--json=" + file, "--duration", "600"],
            ["chaos", "--duration", "600", "--json", file],
            ["check", "history", "--homes", directory.path, "--json", file],
        ]
        for arguments in commands {
            let result = try cli.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stdout.isEmpty, "\(arguments): \(result.stdout)")
            #expect(result.stderr == "--json takes no file: it prints the report as JSON on standard output; to write \(file) use --json-file \(file)\n",
                    "\(arguments)")
            #expect(!FileManager.default.fileExists(atPath: file))
        }
    }

    @Test("testnet --json describes what it wrote, and genesis validate --json agrees with it; the text forms are unchanged")
    func testnetAndGenesis() throws {
        let directory = try TemporaryDirectory()
        let output = directory.path + "/net"
        let made = try cli.run(["testnet", "--validators", "3", "--output", output, "--base-port", "30300", "--json"])
        #expect(made.status == 0, "\(made.stderr)")
        let testnet = try object(made.stdout)
        #expect(testnet["genesis_file"] as? String == output + "/genesis.json")
        let nodes = try #require(testnet["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["home"] as? String } == [output + "/node0", output + "/node1", output + "/node2"])
        #expect(nodes.map { $0["rpc"] as? String } == ["http://127.0.0.1:30301", "http://127.0.0.1:30311", "http://127.0.0.1:30321"])
        #expect(nodes.allSatisfy { ($0["peer"] as? String)?.hasPrefix(($0["node_id"] as? String ?? "-") + "@127.0.0.1:") == true })
        let genesis = try #require(testnet["genesis"] as? [String: Any])
        #expect(genesis["chain_id"] as? String == "ratify-localnet" && genesis["mode"] as? String == "pos")
        #expect(genesis["validators"] as? Int == 3 && genesis["total_stake"] as? Int == 300_000_000)

        let validated = try cli.run(["genesis", "validate", output + "/genesis.json", "--json"])
        #expect(validated.status == 0, "\(validated.stderr)")
        #expect(try object(validated.stdout) as NSDictionary == genesis as NSDictionary)
        let text = try cli.run(["genesis", "validate", output + "/genesis.json"])
        #expect(text.stdout == "chain_id=ratify-localnet mode=pos validators=3 total_stake=300000000 genesis_hash=\(genesis["genesis_hash"] as? String ?? "-")\n")
    }

    @Test("store check --json prints the result as JSON with the same exit status")
    func storeCheck() throws {
        let directory = try TemporaryDirectory()
        #expect(try cli.run(["testnet", "--validators", "1", "--output", directory.path + "/net", "--base-port", "30400"]).status == 0)
        let home = directory.path + "/net/node0"
        let checked = try cli.run(["store", "check", "--home", home, "--json"])
        #expect(checked.status == 0, "\(checked.stderr)")
        let result = try object(checked.stdout)
        #expect(result["home"] as? String == home && result["latest_height"] as? Int == 0)
        #expect(result["consistent"] as? Bool == true && (result["problems"] as? [Any])?.isEmpty == true)
    }

    @Test("sim --json prints one JSON document (progress on stderr); a violation is in it, with its replay, and exits 1")
    func sim() throws {
        let clean = try cli.run(["sim", "--validators", "4", "--heights", "3", "--runs", "2", "--seed", "1", "--json"])
        #expect(clean.status == 0, "\(clean.stderr)")
        let summary = try object(clean.stdout)
        #expect(summary["runs"] as? Int == 2 && summary["violations"] as? Int == 0 && summary["violation"] is NSNull)
        // Each run stops once every honest node has 3 heights; one may have synced a fourth by then.
        #expect((summary["heights_decided"] as? Int).map { $0 >= 6 } == true, "3 heights in each of 2 runs")
        #expect(clean.stderr.contains("progress: 2/2 runs"))

        // Half the stake byzantine (--unsafe-byzantine): seed 4 loses liveness at height 9.
        let failing = try cli.run(["sim", "--validators", "4", "--byzantine", "2", "--stake", "uniform", "--heights", "10", "--runs", "1",
                                   "--seed", "4", "--behaviors", "twin,double-voter,equivocating-proposer", "--unsafe-byzantine", "--json"])
        #expect(failing.status == 1, "\(failing.stderr)")
        let report = try object(failing.stdout)
        let violation = try #require(report["violation"] as? [String: Any])
        #expect(violation["seed"] as? Int == 4 && violation["kind"] as? String == "liveness" && violation["height"] as? Int == 9)
        #expect((violation["replay"] as? String)?.hasPrefix("ratify sim --validators 4 --byzantine 2") == true)
        #expect((violation["trace"] as? [String])?.isEmpty == false)
    }

    @Test("pow hash, target and retarget --json print the fields of their text lines")
    func pow() throws {
        let genesisHeader = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
        let hash = try object(try cli.run(["pow", "hash", genesisHeader, "--json"]).stdout)
        #expect(hash["hash"] as? String == "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f")
        #expect(hash["bits"] as? String == "1d00ffff" && hash["valid"] as? Bool == true)
        let target = try object(try cli.run(["pow", "target", "1b04864c", "--json"]).stdout)
        #expect(target["target"] as? String == "000000000004864c000000000000000000000000000000000000000000000000")
        #expect(target["shortest_bits"] as? String == "1b04864c")
        let retarget = try cli.run(["pow", "retarget", "--bits", "1c05a3f4", "--timespan", "289434", "--json"])
        let next = try object(retarget.stdout)
        #expect(next["bits"] as? String == "1c0168fd" && next["timespan_s"] as? Int == 289434 && next["clamped_timespan_s"] as? Int == 302400)
        let text = try cli.run(["pow", "retarget", "--bits", "1c05a3f4", "--timespan", "289434"])
        #expect(text.stdout == "bits      1c0168fd\ntarget    000000000168fd00000000000000000000000000000000000000000000000000\ntimespan  289434 s clamped to 302400 s\n")
    }

    @Test("chaos --plan-only --json prints the seed's planned faults as a JSON array, --json-file writes the same")
    func chaosPlan() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/plan.json"
        let planned = try cli.run(["chaos", "--seed", "7", "--duration", "600", "--plan-only", "--json", "--json-file", file])
        #expect(planned.status == 0, "\(planned.stderr)")
        let faults = try #require(try JSONSerialization.jsonObject(with: Data(planned.stdout.utf8)) as? [[String: Any]])
        #expect(!faults.isEmpty && faults.allSatisfy { $0["kind"] is String })
        #expect(try String(contentsOfFile: file, encoding: .utf8) == planned.stdout)
        #expect(planned.stderr == "report: \(file)\n", "the note goes to stderr, so stdout stays one JSON document")
        let text = try cli.run(["chaos", "--seed", "7", "--duration", "600", "--plan-only"])
        #expect(text.stdout.split(separator: "\n").count == faults.count)
    }
}
