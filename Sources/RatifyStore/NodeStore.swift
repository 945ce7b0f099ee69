import RatifyCore

/// Everything a node keeps on disk, in one LMDB environment under `<home>/data`: decided
/// blocks and commits, ledger state, the consensus WAL and the double-sign guard's state; and
/// beside it the consensus journal (`consensus.journal`), where the guard makes each signature
/// durable first (`SignerJournal`), folded into LMDB whenever the store opens.
///
/// Opening checks, before anything is read or written, that no other process has the
/// directory (`StoreError.dataDirectoryInUse`), that the data file is intact
/// (`StoreError.corrupted`), and that the store belongs to the caller's genesis
/// (`StoreError.genesisMismatch`).
public final class NodeStore: Sendable {
    /// The layout version written at creation; a store with another version is refused.
    public static let formatVersion: UInt32 = 1

    public let environment: LMDBEnvironment
    public let genesisHash: Hash
    public let blocks: BlockStore
    public let state: StateStore
    public let wal: ConsensusWAL
    public let signer: DoubleSignGuard
    public let checkpointSigner: CheckpointSignerStore
    public let checkpointVotes: CheckpointVoteStore
    public let pow: PoWChainStore
    let databases: ChainDatabases

    private init(environment: LMDBEnvironment, databases: ChainDatabases, genesisHash: Hash, journal: SignerJournal) {
        self.environment = environment
        self.databases = databases
        self.genesisHash = genesisHash
        self.blocks = BlockStore(environment: environment, databases: databases)
        self.state = StateStore(environment: environment, databases: databases)
        self.wal = ConsensusWAL(environment: environment, database: databases.wal)
        self.signer = DoubleSignGuard(journal: journal)
        self.checkpointSigner = CheckpointSignerStore(environment: environment, database: databases.signer)
        self.checkpointVotes = CheckpointVoteStore(environment: environment, database: databases.ffgVotes)
        self.pow = PoWChainStore(environment: environment, databases: databases)
    }

    /// Opens the store in `dataDirectory` (normally `<home>/data`), creating it for
    /// `genesisHash` if it is new.
    public static func open(dataDirectory: String, genesisHash: Hash, options: LMDBOptions = LMDBOptions()) throws -> NodeStore {
        let environment = try LMDBEnvironment.open(directory: dataDirectory, options: options)
        do {
            let databases = try ChainDatabases.open(in: environment)
            try claimOrCheckGenesis(genesisHash, environment, databases)
            // Before anything reads the signer state or the WAL: the journal may hold later ones.
            let journal = try SignerJournal.open(directory: dataDirectory, environment: environment, databases: databases)
            return NodeStore(environment: environment, databases: databases, genesisHash: genesisHash, journal: journal)
        } catch {
            environment.close()
            throw error
        }
    }

    /// Opens the store for `genesis` (by its `genesisHash`); see `open(dataDirectory:genesisHash:options:)`.
    public static func open(dataDirectory: String, genesis: Genesis, options: LMDBOptions = LMDBOptions()) throws -> NodeStore {
        try open(dataDirectory: dataDirectory, genesisHash: genesis.genesisHash, options: options)
    }

    /// Folds the consensus journal into LMDB and closes it, closes the environment and releases
    /// the data directory. A journal that cannot be folded now is folded when the store next opens.
    public func close() {
        signer.journal.close()
        environment.close()
    }

    private static func claimOrCheckGenesis(_ genesisHash: Hash, _ environment: LMDBEnvironment, _ databases: ChainDatabases) throws {
        let path = environment.path
        try environment.write { transaction in
            guard let stored = try transaction.get(databases.meta, MetaKey.genesisHash) else {
                // A store with blocks but no genesis record was not made by this code.
                if try transaction.count(databases.blocks) > 0 {
                    throw StoreError.corrupted(path: path, reason: "blocks are stored but the genesis hash is missing")
                }
                try transaction.put(databases.meta, MetaKey.genesisHash, genesisHash.bytes)
                try transaction.put(databases.meta, MetaKey.formatVersion, versionBytes(formatVersion))
                return
            }
            guard let storedHash = Hash(stored) else {
                throw StoreError.corrupted(path: path, reason: "the stored genesis hash is \(stored.count) bytes, not 32")
            }
            guard storedHash == genesisHash else {
                throw StoreError.genesisMismatch(path: path, stored: storedHash, expected: genesisHash)
            }
            let version = try transaction.get(databases.meta, MetaKey.formatVersion)
            guard let version, version.count == 4 else {
                throw StoreError.corrupted(path: path, reason: "the layout version record is missing or malformed")
            }
            let number = version.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard number == formatVersion else {
                throw StoreError.unsupportedFormat(path: path, version: number)
            }
        }
    }

    private static func versionBytes(_ version: UInt32) -> [UInt8] {
        withUnsafeBytes(of: version.bigEndian) { Array($0) }
    }
}
