import ArgumentParser
import Foundation
import Logging
import RatifyCore
import RatifyNode
import RatifyOps

/// `ratify signer init | start | show`: a validator key in a process of its own (docs/SIGNER.md).
struct SignerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signer",
        abstract: "Run a remote signer: the validator key and its double-sign guard in a process of their own.",
        subcommands: [SignerInitCommand.self, SignerStartCommand.self, SignerShowCommand.self, SignerExportCommand.self,
                      SignerImportCommand.self])
}

struct SignerInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a signer home: signer.toml, the validator key and the signer's link key.",
        discussion: """
            With --from-node, the node home's validator key moves into the signer home, the node's \
            config.toml gets its [priv_validator] section, and the node's validator_key.json is \
            deleted (stop the node first). Otherwise give --chain-id and --allow-node-id; the \
            validator key is --validator-key FILE or fresh. Prints the [priv_validator] lines a \
            node needs. Never overwrites a home.
            """)

    @Option(help: "The signer home to create.")
    var home: String

    @Option(help: "Where the signer listens for its nodes (tcp://HOST:PORT).")
    var listen: String

    @Option(name: .customLong("from-node"), help: "A stopped node's home whose validator key moves to this signer.")
    var fromNode: String?

    @Option(name: .customLong("chain-id"), help: "The chain to sign for (without --from-node).")
    var chainID: String?

    @Option(name: .customLong("allow-node-id"), help: "A node id (node key address) allowed to connect; repeat for more.")
    var allowNodeIDs: [String] = []

    @Option(name: .customLong("validator-key"), help: "A validator_key.json to hold (without --from-node; default: a fresh key).")
    var validatorKey: String?

    func run() throws {
        let listenAddress: HostPort
        switch HostPort.parse(listen, scheme: "tcp") {
        case .success(let address): listenAddress = address
        case .failure(let problem): throw StandardError.fail("--listen: \(problem)")
        }
        let signerHome = SignerHome(home)
        let identity: RemoteSignerSetup.Identity
        do {
            if let fromNode {
                guard chainID == nil, allowNodeIDs.isEmpty, validatorKey == nil else {
                    throw StandardError.fail("--from-node takes the chain id, the node id and the key from the node home; drop --chain-id, --allow-node-id and --validator-key")
                }
                identity = try RemoteSignerSetup.move(nodeHome: NodeHome(fromNode), to: signerHome, listen: listenAddress)
            } else {
                guard let chainID, !chainID.isEmpty else { throw StandardError.fail("--chain-id: required without --from-node") }
                var allowed: [Address] = []
                for text in allowNodeIDs {
                    guard text.utf8.count == 40, let id = Address(hex: text) else {
                        throw StandardError.fail("--allow-node-id: expected 40 hex digits (a node id), got \"\(text)\"")
                    }
                    allowed.append(id)
                }
                guard !allowed.isEmpty else { throw StandardError.fail("--allow-node-id: give the node id of each node this signer serves") }
                let key = try validatorKey.map { try KeyFile.read(from: $0) } ?? KeyPair.generate()
                identity = try RemoteSignerSetup.initialize(signerHome: signerHome, chainID: chainID, listen: listenAddress,
                                                            allowedNodeIDs: allowed, validatorKey: key)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw StandardError.fail(error)
        }
        print("signer home written to \(home)")
        if let fromNode { print("\(fromNode)/config/config.toml now signs through it; its validator_key.json is removed") }
        print(RemoteSignerSetup.nodeConfigText(identity, listen: listenAddress))
    }
}

struct SignerStartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Serve signatures to the configured nodes until killed.",
        discussion: """
            Each vote or proposal is signed only if the signer's own guard allows it (never an earlier \
            height/round/step, never different bytes at the last one), and the new position is \
            fsynced before the signature is sent.
            """)

    @Option(help: "The signer home (made by `ratify signer init`).")
    var home: String

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = TextLogHandler(label: label)
            handler.logLevel = .info
            return handler
        }
        let service: SignerService
        do {
            service = try SignerService.open(home: SignerHome(home), logger: Logger(label: "ratify-signer"))
            try service.run()
        } catch {
            throw StandardError.fail(error)
        }
    }
}

struct SignerShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the [priv_validator] lines a node needs for this signer.")

    @Option(help: "The signer home.")
    var home: String

    func run() throws {
        let signerHome = SignerHome(home)
        do {
            let config = try signerHome.loadConfig()
            print(RemoteSignerSetup.nodeConfigText(try RemoteSignerSetup.identity(signerHome: signerHome), listen: config.listenAddress))
        } catch {
            throw StandardError.fail(error)
        }
    }
}

struct SignerExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a home's signer state (slashing protection) as an interchange JSON file.",
        discussion: """
            Works on a node home (its own double-sign guard) and on a signer home. Stop the home's \
            process first. The file format is in docs/SIGNER.md ("Interchange file").
            """)

    @Option(help: "A node home or a signer home.")
    var home: String

    @Option(help: "The file to write (refuses to overwrite one).")
    var output: String

    func run() throws {
        do {
            let interchange = try SignerStateTransfer.export(home: home)
            try FileIO.write(output, Array(interchange.jsonText.utf8), mode: 0o644, exclusive: true)
            let position = interchange.lastSigned.map { "last signed \($0.position)" } ?? "never signed a vote or proposal"
            let checkpoint = interchange.checkpoint.map {
                "; checkpoint votes signed up to source epoch \($0.sourceEpoch), target epoch \($0.targetEpoch)"
            } ?? ""
            print("exported the signer state of \(home) to \(output): \(position)\(checkpoint)")
        } catch {
            throw StandardError.fail(error)
        }
    }
}

struct SignerImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Merge an interchange JSON file into a home's signer state, keeping the later position.",
        discussion: """
            Refuses a file of another chain or another validator key. Never moves the state \
            backwards: after it, the home refuses to sign at or below the file's position. Stop \
            the home's process first.
            """)

    @Option(help: "A node home or a signer home.")
    var home: String

    @Argument(help: "The file `ratify signer export` wrote.")
    var file: String

    func run() throws {
        do {
            let interchange = try SignerInterchange(json: try FileIO.read(file, maxBytes: 64 * 1024), file: file)
            let lines = try SignerStateTransfer.importState(interchange, home: home)
            if lines.isEmpty { print("\(file) records no signature; nothing to import") }
            for line in lines { print(line) }
        } catch {
            throw StandardError.fail(error)
        }
    }
}
