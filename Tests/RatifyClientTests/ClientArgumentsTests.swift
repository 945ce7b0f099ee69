import RatifyTestSupport
import Testing
import RatifyCore
import RatifyNode
@testable import RatifyClient

@Suite("CLI client arguments")
struct ClientArgumentsTests {
    @Test("amounts are positive decimal integers that fit 64 bits; anything else names the option")
    func amounts() throws {
        #expect(try ClientArguments.amount("500") == 500)
        #expect(try ClientArguments.amount("18446744073709551615") == UInt64.max)
        #expect(throws: ClientError.argument(option: "--amount", reason: "amount must be positive, got 0")) { try ClientArguments.amount("0") }
        #expect(throws: ClientError.argument(option: "--amount", reason: "\"18446744073709551616\" is larger than 18446744073709551615")) {
            try ClientArguments.amount("18446744073709551616")
        }
        for text in ["", "-5", "+5", "1e3", "12.5", "abc", " 5"] {
            #expect(throws: ClientError.argument(option: "--amount",
                                                 reason: "expected a positive integer amount (decimal digits only), got \(JSONWriter.quoted(text))")) {
                try ClientArguments.amount(text)
            }
        }
        #expect(try ClientArguments.unsigned("0", option: "--fee") == 0)
        #expect(throws: ClientError.self) { try ClientArguments.height("0") }
        #expect(ClientError.argument(option: "--fee", reason: "x").description == "--fee: x")
    }

    @Test("keys and addresses are hex or a key name in the keyring, a public key stands for its address; otherwise the error names the option and the keyring")
    func keysAndAddresses() throws {
        let directory = try TemporaryDirectory()
        let keyring = Keyring(directory: directory.path, backend: .test)
        let alice = try keyring.importSeed("alice", seedHex: String(repeating: "01", count: 32))
        #expect(try ClientArguments.publicKey(alice.publicKey.hex, option: "--validator", keyring: keyring) == alice.publicKey)
        #expect(try ClientArguments.publicKey("alice", option: "--validator", keyring: keyring) == alice.publicKey)
        #expect(try ClientArguments.address("alice", option: "--to", keyring: keyring) == alice.address)
        #expect(try ClientArguments.address(alice.address.hex.uppercased(), option: "--to", keyring: keyring) == alice.address)
        #expect(throws: ClientError.argument(option: "--to", reason: "expected an address (40 hex digits), a public key (64 hex digits) or the name of a key in \(directory.path), got \"bob\"")) {
            try ClientArguments.address("bob", option: "--to", keyring: keyring)
        }
        // Where an address is asked for, a public key means its address (docs/STAKING.md's
        // ADDRESS|PUBKEY|KEY); where a public key is asked for, an address cannot stand in.
        #expect(try ClientArguments.address(alice.publicKey.hex, option: "--to", keyring: keyring) == alice.address)
        #expect(throws: ClientError.self) { try ClientArguments.publicKey(alice.address.hex, option: "--validator", keyring: keyring) }
        #expect(throws: ClientError.self) { try ClientArguments.hash("abc") }
    }

    @Test("validator names follow the ledger's rule: 1-64 bytes, no control characters")
    func validatorNames() throws {
        #expect(try ClientArguments.validatorName("Alice's node 1") == "Alice's node 1")
        for bad in ["", "tab\there", String(repeating: "n", count: 65)] {
            #expect(throws: ClientError.self) { try ClientArguments.validatorName(bad) }
        }
    }

    @Test("--node takes http://, tcp://, bare HOST:PORT and https://HOST[:PORT]; missing http ports and a CA file for plain HTTP are refused")
    func nodeURLs() throws {
        #expect(try NodeURL.parse("http://127.0.0.1:26657").endpoint == HostPort(host: "127.0.0.1", port: 26657))
        #expect(try NodeURL.parse("tcp://localhost:1/").endpoint == HostPort(host: "localhost", port: 1))
        #expect(try NodeURL.parse("[::1]:26657").endpoint == HostPort(host: "::1", port: 26657))
        #expect(try NodeURL.parse("127.0.0.1:26657").description == "http://127.0.0.1:26657")
        #expect(try NodeURL.parse("127.0.0.1:26657").tls == nil)
        #expect(try NodeURL.parse("https://rpc.example.org:8443") == NodeURL(endpoint: HostPort(host: "rpc.example.org", port: 8443), tls: .systemRoots))
        #expect(try NodeURL.parse("https://rpc.example.org/") == NodeURL(endpoint: HostPort(host: "rpc.example.org", port: 443), tls: .systemRoots))
        #expect(try NodeURL.parse("https://[::1]").endpoint == HostPort(host: "::1", port: 443))
        #expect(try NodeURL.parse("https://a:1", caFile: "ca.pem").tls == .caFile("ca.pem"))
        #expect(try NodeURL.parse("https://a:1").description == "https://a:1")
        #expect(throws: ClientError.argument(option: "--ca-file", reason: "ca.pem is for https:// nodes; --node http://a:1 is plain HTTP")) {
            try NodeURL.parse("http://a:1", caFile: "ca.pem")
        }
        for bad in ["http://nohost", "http://a:0", "http://a:70000", "", "http://a b:1", "https://a:0", "https://"] {
            #expect(throws: ClientError.self) { try NodeURL.parse(bad) }
        }
    }

    @Test("a tx request checks every value offline, before the key and the network: the first bad one is reported")
    func requestChecksOffline() async throws {
        let directory = try TemporaryDirectory()
        let keyring = directory.path
        // The node address is unreachable: any error below comes from the offline checks.
        func send(_ request: TransactionRequest) async -> ClientError? {
            do { _ = try await request.signed(); return nil } catch { return error }
        }
        let to = String(repeating: "ab", count: 20)
        #expect(await send(TransactionRequest(kind: .transfer(to: to, amount: "x"), from: "a", keyringDirectory: keyring, node: "http://127.0.0.1:1"))
                == .argument(option: "--amount", reason: "expected a positive integer amount (decimal digits only), got \"x\""))
        #expect(await send(TransactionRequest(kind: .transfer(to: to, amount: "5"), from: "a", keyringDirectory: keyring, node: "http://127.0.0.1:1", fee: "-1"))
                == .argument(option: "--fee", reason: "expected a non-negative integer (decimal digits only), got \"-1\""))
        #expect(await send(TransactionRequest(kind: .stake(validator: String(repeating: "ab", count: 32), amount: "5", name: ""), from: "a", keyringDirectory: keyring,
                                              node: "http://127.0.0.1:1"))?.description.hasPrefix("--name: ") == true)
        #expect(await send(TransactionRequest(kind: .unjail(validator: "v"), from: "a", keyringDirectory: keyring, node: "http://127.0.0.1:1"))?
                .description.hasPrefix("--validator: expected a public key") == true)
        #expect(await send(TransactionRequest(kind: .transfer(to: to, amount: "5"), from: "a", keyringDirectory: keyring, node: "http://127.0.0.1:1",
                                              chainID: "bad chain")).map { "\($0)" }?.hasPrefix("--chain-id: ") == true)
        #expect(await send(TransactionRequest(kind: .transfer(to: to, amount: "5"), from: "a", keyringDirectory: keyring, node: "ftp:x"))?
                .description.hasPrefix("--node: ") == true)
        #expect(await send(TransactionRequest(kind: .transfer(to: to, amount: "5"), from: "nobody", keyringDirectory: keyring, node: "http://127.0.0.1:1"))
                == .keyring(.notFound(name: "nobody", directory: keyring)))
        // With a key, the request reaches for the network and says it cannot.
        try Keyring(directory: keyring, backend: .test).add("a")
        let unreachable = await send(TransactionRequest(kind: .transfer(to: to, amount: "5"), from: "a", keyringDirectory: keyring, node: "http://127.0.0.1:1"))
        #expect(unreachable == .unreachable(node: "http://127.0.0.1:1", reason: "connection refused"))
        #expect(unreachable?.description.hasPrefix("cannot reach the node at http://127.0.0.1:1: connection refused;") == true)
    }

    @Test("tables pad columns to the widest cell; percentages use integer arithmetic")
    func rendering() {
        #expect(TextTable.render(headers: ["name", "power"], rows: [["a", "100"], ["long-name", "5"]])
                == "NAME       POWER\na          100\nlong-name  5")
        #expect(TextTable.keyValue([("hash", "ab"), ("height", "3")]) == "hash:   ab\nheight: 3")
        #expect(ClientQueries.percent(10, of: 410) == "2.43%")
        #expect(ClientQueries.percent(100, of: 400) == "25.00%")
        #expect(ClientQueries.percent(UInt64.max, of: 1) == "-")
    }
}
