import ArgumentParser

/// `--ca-file`, beside `--node` on every command that asks a node: for an `https://` node
/// whose TLS proxy has a certificate from a private CA (the system's roots otherwise).
struct TLSOptions: ParsableArguments {
    @Option(name: .customLong("ca-file"), help: "With an https:// --node: trust the CA certificates in this PEM file instead of the system's.")
    var caFile: String?
}
