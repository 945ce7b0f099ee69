import RatifyNode
import RatifyCore
import RatifyStore

/// `ratify store truncate-wal`: fault injection for a stopped node. Deletes the newest records
/// of the consensus WAL, the way a crash loses appends that never reached the disk, so a test
/// or `ratify chaos` can show that the node restarts safely from what is left (the signer
/// state, durable on its own, still refuses any conflicting signature).
public enum WALTruncation {
    public struct Result: Sendable, Equatable {
        public var deleted: Int
        public var remaining: Int
    }

    public static func run(home: NodeHome, records: Int) throws -> Result {
        let genesis: Genesis
        do { genesis = try home.loadGenesis() } catch { throw NodeStartError("\(error)") }
        let store = try NodeStore.open(dataDirectory: home.dataDirectory, genesisHash: genesis.genesisHash)
        defer { store.close() }
        let deleted = try store.wal.truncateNewest(records)
        return Result(deleted: deleted, remaining: try store.wal.recordCount())
    }
}
