import RatifyCore

/// Why the store refused an operation. Each description is one line saying what is wrong,
/// where, and what to do; liblmdb's own failures are `LMDBError` instead.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another process holds `data/ratify.lock`.
    case dataDirectoryInUse(path: String, pid: Int32?)
    /// This process already has an environment open on the directory. liblmdb forbids opening
    /// one environment twice in a process (closing either copy would drop the other's locks),
    /// so a second open is an error rather than a second handle.
    case alreadyOpenInProcess(path: String)
    /// The environment was closed; no transaction can start.
    case environmentClosed(path: String)
    /// A transaction object was used after its closure returned.
    case transactionFinished(path: String)
    /// A write transaction was started on a thread that already has a transaction open on this
    /// environment; liblmdb would deadlock (one writer at a time) or corrupt a map resize.
    case nestedTransaction(path: String)
    /// The data file is truncated, damaged or missing. Never continue on such a store.
    case corrupted(path: String, reason: String)
    /// The store was created for a different chain.
    case genesisMismatch(path: String, stored: Hash, expected: Hash)
    /// The store was written by a newer (or unknown) layout version.
    case unsupportedFormat(path: String, version: UInt32)
    /// The map reached `LMDBOptions.mapBytesMax`.
    case mapSizeLimit(path: String, bytes: Int)
    /// A key is empty or longer than liblmdb's key limit.
    case invalidKey(database: String, length: Int, max: Int)
    /// A value exceeds the limit the caller's API documents.
    case valueTooLarge(database: String, length: Int, max: Int)
    /// A block was committed out of order: the store only appends the next height.
    case heightOutOfOrder(path: String, expected: UInt64, got: UInt64)
    /// A block hash is already stored at another height.
    case duplicateBlockHash(path: String, hash: Hash, height: UInt64)
    /// A commit handed to `BlockStore.commit(block:commit:...)` is for another block.
    case commitDoesNotMatchBlock(height: UInt64, blockHash: Hash, commitHeight: UInt64, commitBlockHash: Hash)
    /// A stored record does not decode; the store is damaged or was written by other software.
    case invalidRecord(database: String, reason: String)
    /// A read would return more than its documented cap.
    case tooManyRecords(database: String, max: Int)
    /// A file-system call failed (outside liblmdb).
    case io(path: String, operation: String, errno: Int32, message: String)

    /// What to do with a damaged store. The signer state (the last vote signed) lives in the
    /// damaged `data.mdb`: a backup's is older and a re-synced store has none, and either would
    /// let the validator sign a second, conflicting vote for a round it already voted in.
    public static let damagedAdvice = "move data/ aside and keep it (it holds the signer state), restore data/ from a backup or let the node re-sync, then run `ratify store copy-signer --from <moved data> --home <home>` before `ratify start` (docs/STORAGE.md, \"A damaged store\")"

    public var description: String {
        switch self {
        case .dataDirectoryInUse(let path, let pid):
            let owner = pid.map { "pid \($0)" } ?? "pid unknown"
            return "data directory \(path) is in use by another ratify process (\(owner)); stop it first"
        case .alreadyOpenInProcess(let path):
            return "data directory \(path) is already open in this process; share the open store instead of opening it again"
        case .environmentClosed(let path):
            return "store at \(path) is closed"
        case .transactionFinished(let path):
            return "a transaction on \(path) was used after it ended (a transaction must not escape its closure)"
        case .nestedTransaction(let path):
            return "a write transaction on \(path) was started inside another transaction on the same thread; use the open transaction instead"
        case .corrupted(let path, let reason):
            return "store at \(path) is damaged: \(reason); \(Self.damagedAdvice)"
        case .genesisMismatch(let path, let stored, let expected):
            return "store at \(path) belongs to genesis \(stored.hex), not \(expected.hex); use the matching genesis file or a fresh home"
        case .unsupportedFormat(let path, let version):
            return "store at \(path) has layout version \(version), which this ratify does not read; upgrade ratify"
        case .mapSizeLimit(let path, let bytes):
            return "store at \(path) reached its map size limit of \(bytes) bytes; raise the limit or free disk space"
        case .invalidKey(let database, let length, let max):
            return "key of \(length) bytes for database \(database) is invalid (must be 1...\(max) bytes)"
        case .valueTooLarge(let database, let length, let max):
            return "value of \(length) bytes for database \(database) exceeds the maximum \(max)"
        case .heightOutOfOrder(let path, let expected, let got):
            return "store at \(path) expects height \(expected) next, was given \(got)"
        case .duplicateBlockHash(let path, let hash, let height):
            return "store at \(path) already holds block \(hash.hex) at height \(height)"
        case .commitDoesNotMatchBlock(let height, let blockHash, let commitHeight, let commitBlockHash):
            return "refusing to store block \(blockHash.short) at height \(height) with a commit for block \(commitBlockHash.short) at height \(commitHeight)"
        case .invalidRecord(let database, let reason):
            return "database \(database) holds an invalid record: \(reason); run `ratify store check`"
        case .tooManyRecords(let database, let max):
            return "database \(database) holds more than \(max) records for this read"
        case .io(let path, let operation, let errno, let message):
            return "\(operation) failed on \(path): \(message) (errno \(errno))"
        }
    }
}
