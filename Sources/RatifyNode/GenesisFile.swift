import RatifyCore

/// Reading and writing genesis.json on disk; the format itself is `Genesis+JSON` in RatifyCore.
public enum GenesisFile {
    /// Reads, parses and validates; errors name the file as `path` was given.
    public static func load(_ path: String) throws(FileFormatError) -> Genesis {
        try Genesis(json: FileIO.read(path, maxBytes: Genesis.fileBytesMax), file: path)
    }

    public static func write(_ genesis: Genesis, to path: String) throws(FileSystemError) {
        try FileIO.write(path, Array(genesis.jsonText.utf8), mode: 0o644, exclusive: false)
    }

    /// The one-line summary `ratify genesis validate` prints.
    public static func summary(_ genesis: Genesis) -> String {
        let stake = genesis.totalStake.map(String.init) ?? "overflow"
        return "chain_id=\(genesis.chainID) mode=\(genesis.mode.rawValue) validators=\(genesis.validators.count) "
            + "total_stake=\(stake) genesis_hash=\(genesis.genesisHash.hex)"
    }

    /// The summary as JSON (`ratify genesis validate --json`, `ratify testnet --json`); a total
    /// stake beyond 64 bits is `null`, as `overflow` is in the text.
    public static func summaryJSON(_ genesis: Genesis) -> JSONValue {
        .object([
            JSONValue.Member("chain_id", .string(genesis.chainID)),
            JSONValue.Member("mode", .string(genesis.mode.rawValue)),
            JSONValue.Member("validators", .number(String(genesis.validators.count))),
            JSONValue.Member("total_stake", genesis.totalStake.map { .number(String($0)) } ?? .null),
            JSONValue.Member("genesis_hash", .string(genesis.genesisHash.hex)),
        ])
    }
}
