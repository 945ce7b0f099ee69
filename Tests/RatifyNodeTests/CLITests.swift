import Foundation
import RatifyTestSupport
import Testing

/// Runs the built `ratify` binary, as a user would.
@Suite("ratify CLI")
struct CLITests {
    static var binary: String { BuiltCommand.ratify }

    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try BuiltCommand.run(Self.binary, arguments)
        return (result.status, result.stdout, result.stderr)
    }

    @Test("genesis validate on a bad file prints the one-line error on stderr and exits 1")
    func validateBad() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "no ratify binary at \(Self.binary)")
        let directory = try TemporaryDirectory()
        let file = try directory.write("genesis.json", #"{"chain_id": "c", "genesis_time": "2026-01-01T00:00:00Z", "validators": []}"#)
        let result = try run(["genesis", "validate", file])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "\(file): validators: mode \"pos\" needs at least one validator; add one or use mode \"pow\"\n")
    }

    @Test("testnet writes homes that genesis validate accepts")
    func testnetThenValidate() throws {
        let directory = try TemporaryDirectory()
        let made = try run(["testnet", "--validators", "2", "--output", directory.path + "/net", "--base-port", "30000"])
        #expect(made.status == 0, "\(made.stderr)")
        let checked = try run(["genesis", "validate", directory.path + "/net/node1/config/genesis.json"])
        #expect(checked.status == 0)
        #expect(checked.stdout.hasPrefix("chain_id=ratify-localnet mode=pos validators=2 total_stake=200000000 genesis_hash="))
        let again = try run(["testnet", "--validators", "2", "--output", directory.path + "/net"])
        #expect(again.status == 1)
        #expect(again.stderr == "\(directory.path)/net/node0: cannot create: already exists; choose an empty --output directory or remove it\n")
        let epochsOnPoS = try run(["testnet", "--validators", "2", "--output", directory.path + "/pos", "--epoch-length", "0"])
        #expect(epochsOnPoS.status == 1)
        #expect(epochsOnPoS.stderr == "--epoch-length: checkpoint epochs exist on hybrid chains only; add --mode hybrid or drop it\n")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/pos"))
    }

    @Test("init writes a home for a keyring key and prints its peer address; bad peers, a missing key and an existing home are one-line errors")
    func initHome() throws {
        let directory = try TemporaryDirectory()
        let keyring = directory.path + "/keyring"
        #expect(try run(["testnet", "--validators", "1", "--output", directory.path + "/net", "--base-port", "30100"]).status == 0)
        let added = try run(["keys", "add", "carol", "--keyring", keyring, "--keyring-backend", "test"])
        #expect(added.status == 0, "\(added.stderr)")
        let arguments = ["init", "--home", directory.path + "/carol", "--genesis", directory.path + "/net/genesis.json",
                         "--base-port", "30200", "--key-from-keyring", "carol", "--keyring", keyring]
        let badPeers = try run(arguments + ["--peers", "nobody@127.0.0.1:1"])
        #expect(badPeers.status == 1)
        #expect(badPeers.stderr == "--peers: entry 1: node id in \"nobody@127.0.0.1:1\" must be 40 hex digits (the node key's address), got 6 characters\n")
        let missingKey = try run(["init", "--home", directory.path + "/carol", "--genesis", directory.path + "/net/genesis.json",
                                  "--key-from-keyring", "dave", "--keyring", keyring])
        #expect(missingKey.status == 1)
        #expect(missingKey.stderr.hasPrefix("no key named \"dave\" in keyring "))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/carol"))

        let made = try run(arguments)
        #expect(made.status == 0, "\(made.stderr)")
        let shown = try run(["keys", "show", "carol", "--keyring", keyring])
        let pubKey = try #require(shown.stdout.components(separatedBy: "pub_key: ").last?.prefix(64))
        #expect(made.stdout.contains("validator_pub_key: \(pubKey)"), "\(made.stdout)")
        #expect(made.stdout.contains("@127.0.0.1:30200\n"), "\(made.stdout)")
        let again = try run(arguments)
        #expect(again.status == 1)
        #expect(again.stderr == "--home: \(directory.path)/carol already exists; `ratify init` never overwrites a home (its keys); choose another directory or remove it\n")
    }

    @Test("keys add, show and list never print the secret; export prints it only with --unsafe-show-secret")
    func keysNeverPrintSecrets() throws {
        let directory = try TemporaryDirectory()
        let keyring = directory.path + "/keyring"
        let added = try run(["keys", "add", "alice", "--keyring", keyring, "--keyring-backend", "test"])
        #expect(added.status == 0, "\(added.stderr)")
        let file = keyring + "/alice.json"
        let mode = (try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        let secretHex = try #require(String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\"priv_key\": \"").last?.prefix(64))
        #expect(secretHex.count == 64 && secretHex.allSatisfy(\.isHexDigit))
        var shown = added.stdout + added.stderr
        for arguments in [["keys", "show", "alice"], ["keys", "show", "alice", "--json"], ["keys", "list"], ["keys", "list", "--json"]] {
            let result = try run(arguments + ["--keyring", keyring])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.contains("alice"))
            shown += result.stdout + result.stderr
        }
        let refused = try run(["keys", "export", "alice", "--keyring", keyring])
        #expect(refused.status == 1)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("--unsafe-show-secret"))
        shown += refused.stderr
        #expect(!shown.contains(secretHex), "no command printed the secret")
        let exported = try run(["keys", "export", "alice", "--unsafe-show-secret", "--keyring", keyring])
        #expect(exported.status == 0)
        #expect(exported.stdout == secretHex + "\n")
        // The exported seed imports to the same key.
        let again = try run(["keys", "import", "alice2", "--seed-hex", String(secretHex), "--json", "--keyring", keyring, "--keyring-backend", "test"])
        let original = try run(["keys", "show", "alice", "--json", "--keyring", keyring])
        #expect(again.status == 0)
        #expect(again.stdout.replacingOccurrences(of: "alice2", with: "alice") == original.stdout)
    }

    @Test("tx and query refuse bad arguments with a one-line error naming the option, before any network use")
    func clientArgumentErrors() throws {
        let directory = try TemporaryDirectory()
        let keyring = directory.path + "/keyring"
        let badRecipient = try run(["tx", "transfer", "--from", "a", "--to", "b", "--amount", "ten", "--yes", "--keyring", keyring, "--node", "http://127.0.0.1:1"])
        #expect(badRecipient.status == 1)
        #expect(badRecipient.stderr.hasPrefix("--to: expected an address (40 hex digits), a public key (64 hex digits) or the name of a key in \(keyring), got \"b\""))
        let noKey = try run(["tx", "unjail", "--from", "nobody", "--validator", String(repeating: "ab", count: 32), "--yes", "--keyring", keyring,
                             "--node", "http://127.0.0.1:1"])
        #expect(noKey.status == 1)
        #expect(noKey.stderr == "no key named \"nobody\" in keyring \(keyring); see `ratify keys list --keyring \(keyring)` or add it with `ratify keys add nobody`\n")
        let unsignedDryRun = try run(["tx", "unjail", "--from", "nobody", "--validator", String(repeating: "ab", count: 32), "--generate-only", "--dry-run",
                                      "--keyring", keyring, "--node", "http://127.0.0.1:1"])
        #expect(unsignedDryRun.status == 1)
        #expect(unsignedDryRun.stderr == "--dry-run: a --generate-only transaction is unsigned and cannot be checked; drop one of them\n")
        let waitingDryRun = try run(["tx", "broadcast", directory.path + "/none.json", "--dry-run", "--wait", "--node", "http://127.0.0.1:1"])
        #expect(waitingDryRun.status == 1)
        #expect(waitingDryRun.stderr == "--dry-run: submits nothing, so there is nothing to --wait for; drop one of them\n")
        let badHeight = try run(["query", "block", "--height", "0", "--node", "http://127.0.0.1:1"])
        #expect(badHeight.status == 1)
        #expect(badHeight.stderr == "--height: heights start at 1, got 0\n")
        let down = try run(["query", "status", "--node", "http://127.0.0.1:1"])
        #expect(down.status == 1)
        #expect(down.stderr.hasPrefix("cannot reach the node at http://127.0.0.1:1: connection refused"))
    }

    @Test("pow make-chain extends a stopped pow home's chain and says where it got to; blocks that would lead the clock, a pos home and a bad --blocks are one-line errors")
    func powMakeChain() throws {
        let directory = try TemporaryDirectory()
        // Block h is stamped genesis + h s, so the genesis lies an hour back: room for 3,600 blocks.
        let formatter = ISO8601DateFormatter()
        let hourAgo = formatter.string(from: Date().addingTimeInterval(-3_600))
        let pow = try run(["testnet", "--mode", "pow", "--validators", "1", "--output", directory.path + "/pow", "--base-port", "30100",
                           "--pow-initial-bits", "207fffff", "--target-block-ms", "1000", "--genesis-time", hourAgo])
        #expect(pow.status == 0, "\(pow.stderr)")
        let home = directory.path + "/pow/node0"
        let tooMany = try run(["pow", "make-chain", "--home", home, "--blocks", "4000"])
        #expect(tooMany.status == 1)
        #expect(tooMany.stderr.contains("s in the future; move genesis_time at least that far back"), "\(tooMany.stderr)")
        let first = try run(["pow", "make-chain", "--home", home, "--blocks", "20"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("height 20 tip "))
        let second = try run(["pow", "make-chain", "--home", home, "--blocks", "5"])
        #expect(second.stdout.hasPrefix("height 25 tip "), "\(second.stderr)")
        let none = try run(["pow", "make-chain", "--home", home, "--blocks", "0"])
        #expect(none.status != 0 && none.stderr.contains("--blocks 0 is outside 1...10000000"))
        let pos = try run(["testnet", "--validators", "1", "--output", directory.path + "/pos", "--base-port", "30200"])
        #expect(pos.status == 0)
        let onPoS = try run(["pow", "make-chain", "--home", directory.path + "/pos/node0", "--blocks", "3"])
        #expect(onPoS.status == 1)
        #expect(onPoS.stderr.contains("make-chain extends a \"pow\" chain only"), "\(onPoS.stderr)")
    }
}
