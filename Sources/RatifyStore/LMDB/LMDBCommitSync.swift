/// How a write transaction's commit reaches the disk.
///
/// liblmdb commits in two steps: it writes the new data pages and flushes them (`fdatasync`),
/// then writes the meta page that makes the transaction visible. Commits are totally ordered,
/// and each one's data flush also flushes every page written before it, the meta pages of
/// earlier commits included.
public enum LMDBCommitSync: Sendable, Equatable {
    /// The meta page is written with `O_DSYNC` too (two device flushes): when `write`
    /// returns, the transaction survives a crash of the process or of the whole system.
    case durable
    /// The meta page is written without a flush of its own (`MDB_NOMETASYNC` for this
    /// transaction; one device flush). The transaction survives a crash of the process at once,
    /// and a crash of the system once the next commit of either kind has flushed its data pages
    /// (that flush carries this meta page), so a `.durable` commit that returned makes every
    /// earlier one durable. Until then a system crash may undo it, never leave it half-applied:
    /// its data pages were flushed before the meta page that points at them was written.
    /// For what the caller can make again after such a crash (a decided block, which the node
    /// decides again from the WAL its consensus journal kept), never for a record kept nowhere else.
    case durableWithNextDurableCommit
}
