import CLMDB
import Foundation
import Synchronization

/// One liblmdb environment: a data directory holding `data.mdb`, liblmdb's `lock.mdb` and
/// Ratify's `ratify.lock`.
///
/// - One per directory per process (`StoreError.alreadyOpenInProcess` on a second open) and
///   one per directory across processes (`StoreError.dataDirectoryInUse`, via `flock`).
/// - Opened with `MDB_NOTLS`: reader slots belong to transaction objects, not threads, so a
///   Swift task may read on whatever thread it runs on, and reads may nest. Transactions are
///   closure-scoped and synchronous, so none outlives the thread or scope that began it.
/// - Opened without `MDB_NOSYNC`/`MDB_NOMETASYNC`: `mdb_txn_commit` returns only after the
///   data and meta pages are fsynced. `write` returning means the write survives a crash,
///   unless the caller asked for `LMDBCommitSync.durableWithNextDurableCommit`.
/// - `MDB_MAP_FULL` grows the map (doubling, up to `LMDBOptions.mapBytesMax`) and reruns the
///   write closure, so write closures must only touch the transaction they are given.
public final class LMDBEnvironment: @unchecked Sendable {
    // @unchecked: `handle` is guarded by `gate` (shared for transactions, exclusive for close
    // and map growth); writers are serialised by `writerLock`; the rest is immutable or a Mutex.

    /// The canonical (symlink-free) data directory.
    public let path: String
    public let options: LMDBOptions

    private nonisolated(unsafe) var handle: OpaquePointer?
    private let gate = ReadWriteLock()
    private let writerLock = NSLock()
    private let directoryLock: DataDirectoryLock
    /// Threads that currently have a transaction open here, to refuse a nested write (which
    /// would deadlock on liblmdb's writer mutex or on a map resize) with an error instead.
    private let threadsInTransaction = Mutex<[pthread_t]>([])

    /// Directories open in this process.
    private static let openPaths = Mutex<Set<String>>([])
    private let committedWrites = Atomic<Int>(0)

    /// Write transactions committed (each one durable commit: two device syncs) since this
    /// environment was opened.
    public var committedWriteCount: Int { committedWrites.load(ordering: .relaxed) }

    private init(path: String, options: LMDBOptions, handle: OpaquePointer, directoryLock: DataDirectoryLock) {
        self.path = path
        self.options = options
        self.handle = handle
        self.directoryLock = directoryLock
    }

    deinit { close() }

    /// Opens (creating if needed) the environment in `directory`.
    public static func open(directory: String, options: LMDBOptions = LMDBOptions()) throws -> LMDBEnvironment {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError.io(path: directory, operation: "create directory", errno: EIO, message: "\(error)")
        }
        guard let resolved = realpath(directory, nil) else {
            let code = errno
            throw StoreError.io(path: directory, operation: "realpath", errno: code, message: String(cString: strerror(code)))
        }
        let path = String(cString: resolved)
        free(resolved)

        let inserted = openPaths.withLock { $0.insert(path).inserted }
        guard inserted else { throw StoreError.alreadyOpenInProcess(path: path) }
        var directoryLock: DataDirectoryLock?
        var environment: OpaquePointer?
        do {
            directoryLock = try DataDirectoryLock.acquire(directory: path)
            try DataFileIntegrity.checkBeforeOpen(directory: path)
            environment = try openHandle(path: path, options: options)
            guard let environment, let directoryLock else {
                throw LMDBError(code: EINVAL, operation: "mdb_env_create", path: path)
            }
            try DataFileIntegrity.checkAfterOpen(directory: path, environment: environment)
            // A new environment's meta pages are written without a sync; sync them before the
            // marker claims that a store exists here.
            let syncStatus = mdb_env_sync(environment, 1)
            guard syncStatus == 0 else { throw LMDBError(code: syncStatus, operation: "mdb_env_sync", path: path) }
            try DataFileIntegrity.markCreated(directory: path)
            return LMDBEnvironment(path: path, options: options, handle: environment, directoryLock: directoryLock)
        } catch {
            if let environment { mdb_env_close(environment) }
            directoryLock?.release()
            _ = openPaths.withLock { $0.remove(path) }
            throw error
        }
    }

    private static func openHandle(path: String, options: LMDBOptions) throws -> OpaquePointer {
        var created: OpaquePointer?
        let createStatus = mdb_env_create(&created)
        guard createStatus == 0, let environment = created else {
            throw LMDBError(code: createStatus, operation: "mdb_env_create", path: path)
        }
        let pageBytes = DataFileIntegrity.pageBytes()
        let mapBytes = max(pageBytes * 16, (options.mapBytesInitial + pageBytes - 1) / pageBytes * pageBytes)
        var status = mdb_env_set_maxdbs(environment, MDB_dbi(options.databaseCountMax))
        if status == 0 { status = mdb_env_set_mapsize(environment, mapBytes) }
        guard status == 0 else {
            mdb_env_close(environment)
            throw LMDBError(code: status, operation: "mdb_env_set_mapsize", path: path)
        }
        status = mdb_env_open(environment, path, UInt32(MDB_NOTLS), 0o600)
        guard status == 0 else {
            mdb_env_close(environment)
            let error = LMDBError(code: status, operation: "mdb_env_open", path: path)
            if let reason = corruptionReason(status) {
                throw StoreError.corrupted(path: path, reason: "\(reason) (\(error.message))")
            }
            throw error
        }
        return environment
    }

    /// What an `mdb_env_open` failure says about the data file, when it says it is damaged.
    static func corruptionReason(_ status: Int32) -> String? {
        switch status {
        case MDB_INVALID: "data.mdb is not an LMDB file or its header is damaged"
        case MDB_VERSION_MISMATCH: "data.mdb was written by an incompatible LMDB version"
        case MDB_CORRUPTED, MDB_PAGE_NOTFOUND: "data.mdb is corrupted"
        case MDB_PANIC: "liblmdb hit a fatal error reading data.mdb"
        default: nil
        }
    }

    /// Closes the environment and releases `ratify.lock`. Idempotent. Must not be called from
    /// inside a transaction on this environment.
    public func close() {
        precondition(!currentThreadInTransaction(), "LMDBEnvironment.close() called inside a transaction on \(path)")
        writerLock.lock()
        gate.lockExclusive()
        let closing = handle
        handle = nil
        gate.unlock()
        writerLock.unlock()
        guard let closing else { return }
        // Commits made `durableWithNextDurableCommit` are flushed now: a cleanly closed store
        // survives a system crash whole.
        _ = mdb_env_sync(closing, 1)
        mdb_env_close(closing)
        // Before the lock is released, so no other process can write in between.
        CleanCloseStamp.record(directory: path)
        directoryLock.release()
        _ = Self.openPaths.withLock { $0.remove(path) }
    }

    public var isOpen: Bool {
        gate.lockShared()
        defer { gate.unlock() }
        return handle != nil
    }

    /// The current map size in bytes.
    public func mapBytes() throws -> Int {
        gate.lockShared()
        defer { gate.unlock() }
        guard let environment = handle else { throw StoreError.environmentClosed(path: path) }
        var info = MDB_envinfo()
        let status = mdb_env_info(environment, &info)
        guard status == 0 else { throw LMDBError(code: status, operation: "mdb_env_info", path: path) }
        return info.me_mapsize
    }

    /// Opens (creating if needed) a named database. Call while setting up, before concurrent use.
    public func openDatabase(named name: String) throws -> LMDBDatabase {
        try write { transaction in
            var dbi = MDB_dbi()
            try transaction.check(
                mdb_dbi_open(try transaction.liveHandle(), name, UInt32(MDB_CREATE), &dbi),
                "mdb_dbi_open(\(name))")
            return LMDBDatabase(name: name, handle: dbi)
        }
    }

    // MARK: - Transactions

    /// Runs `body` in a read-only snapshot.
    public func read<Result>(_ body: (LMDBTransaction) throws -> Result) throws -> Result {
        try enterTransaction(writing: false)
        defer { leaveTransaction() }
        // One retry: MDB_MAP_RESIZED (another process grew the map) is adopted, then it is gone.
        for _ in 0..<2 {
            if let result = try attemptRead(body) { return result.value }
            try adoptResizedMap()
        }
        throw LMDBError(code: MDB_MAP_RESIZED, operation: "mdb_txn_begin", path: path)
    }

    /// Runs `body` in a write transaction and commits it durably (fsync) before returning, or as
    /// `sync` says. If `body` throws, nothing it wrote is kept. `body` may run more than once
    /// (after the map grows), so it must have no effects outside the transaction.
    public func write<Result>(sync: LMDBCommitSync = .durable, _ body: (LMDBWriteTransaction) throws -> Result) throws -> Result {
        try enterTransaction(writing: true)
        defer { leaveTransaction() }
        writerLock.lock()
        defer { writerLock.unlock() }
        var growths = 0
        for _ in 0...(options.mapGrowthsPerWriteMax + 1) {
            switch try attemptWrite(sync, body) {
            case .committed(let result):
                return result
            case .mapFull:
                guard growths < options.mapGrowthsPerWriteMax else {
                    throw StoreError.mapSizeLimit(path: path, bytes: (try? mapBytes()) ?? options.mapBytesMax)
                }
                growths += 1
                try growMap()
            case .mapResized:
                try adoptResizedMap()
            }
        }
        throw StoreError.mapSizeLimit(path: path, bytes: (try? mapBytes()) ?? options.mapBytesMax)
    }

    /// Boxes a read result so that nil can mean "retry".
    private struct ReadResult<Value> { let value: Value }

    private enum WriteOutcome<Value> {
        case committed(Value)
        case mapFull
        case mapResized
    }

    private func attemptRead<Result>(_ body: (LMDBTransaction) throws -> Result) throws -> ReadResult<Result>? {
        gate.lockShared()
        defer { gate.unlock() }
        guard let environment = handle else { throw StoreError.environmentClosed(path: path) }
        var transactionHandle: OpaquePointer?
        let status = mdb_txn_begin(environment, nil, UInt32(MDB_RDONLY), &transactionHandle)
        if status == MDB_MAP_RESIZED { return nil }
        guard status == 0, let transactionHandle else {
            throw LMDBError(code: status, operation: "mdb_txn_begin(read)", path: path)
        }
        let transaction = LMDBTransaction(handle: transactionHandle, environmentPath: path)
        defer {
            transaction.handle = nil
            mdb_txn_abort(transactionHandle)
        }
        return ReadResult(value: try body(transaction))
    }

    private func attemptWrite<Result>(_ sync: LMDBCommitSync, _ body: (LMDBWriteTransaction) throws -> Result) throws -> WriteOutcome<Result> {
        gate.lockShared()
        defer { gate.unlock() }
        guard let environment = handle else { throw StoreError.environmentClosed(path: path) }
        var transactionHandle: OpaquePointer?
        let status = mdb_txn_begin(environment, nil, 0, &transactionHandle)
        if status == MDB_MAP_RESIZED { return .mapResized }
        guard status == 0, let transactionHandle else {
            throw LMDBError(code: status, operation: "mdb_txn_begin(write)", path: path)
        }
        let transaction = LMDBWriteTransaction(handle: transactionHandle, environmentPath: path)
        let result: Result
        do {
            result = try body(transaction)
        } catch {
            transaction.abort()
            if transaction.sawMapFull { return .mapFull }
            throw error
        }
        if transaction.sawMapFull {
            transaction.abort()
            return .mapFull
        }
        let commitStatus = commit(transaction, sync, environment)
        if commitStatus == MDB_MAP_FULL { return .mapFull }
        guard commitStatus == 0 else {
            throw LMDBError(code: commitStatus, operation: "mdb_txn_commit", path: path)
        }
        committedWrites.add(1, ordering: .relaxed)
        return .committed(result)
    }

    /// liblmdb 0.9 takes `MDB_NOMETASYNC` from the environment's flags at commit time, not per
    /// transaction, so it is set around this commit alone; the caller holds `writerLock`, so no
    /// other commit of this process runs meanwhile (other processes have their own flags, and
    /// read transactions do not look at this one).
    private func commit(_ transaction: LMDBWriteTransaction, _ sync: LMDBCommitSync, _ environment: OpaquePointer) -> Int32 {
        guard sync == .durableWithNextDurableCommit else { return transaction.commit() }
        let setStatus = mdb_env_set_flags(environment, UInt32(MDB_NOMETASYNC), 1)
        guard setStatus == 0 else {
            transaction.abort()
            return setStatus
        }
        defer { mdb_env_set_flags(environment, UInt32(MDB_NOMETASYNC), 0) }
        return transaction.commit()
    }

    /// Doubles the map, with no transaction open in this process (the caller holds `writerLock`
    /// and this takes `gate` exclusively, which waits for readers to finish).
    private func growMap() throws {
        gate.lockExclusive()
        defer { gate.unlock() }
        guard let environment = handle else { throw StoreError.environmentClosed(path: path) }
        var info = MDB_envinfo()
        let infoStatus = mdb_env_info(environment, &info)
        guard infoStatus == 0 else { throw LMDBError(code: infoStatus, operation: "mdb_env_info", path: path) }
        let current = info.me_mapsize
        guard current < options.mapBytesMax else {
            throw StoreError.mapSizeLimit(path: path, bytes: current)
        }
        let (doubled, overflow) = current.multipliedReportingOverflow(by: 2)
        let next = overflow ? options.mapBytesMax : min(doubled, options.mapBytesMax)
        let status = mdb_env_set_mapsize(environment, next)
        guard status == 0 else { throw LMDBError(code: status, operation: "mdb_env_set_mapsize", path: path) }
    }

    /// After MDB_MAP_RESIZED: size 0 tells liblmdb to adopt the size recorded in the file.
    private func adoptResizedMap() throws {
        gate.lockExclusive()
        defer { gate.unlock() }
        guard let environment = handle else { throw StoreError.environmentClosed(path: path) }
        let status = mdb_env_set_mapsize(environment, 0)
        guard status == 0 else { throw LMDBError(code: status, operation: "mdb_env_set_mapsize", path: path) }
    }

    private func enterTransaction(writing: Bool) throws {
        let me = pthread_self()
        let allowed = threadsInTransaction.withLock { threads in
            if writing, threads.contains(where: { pthread_equal($0, me) != 0 }) { return false }
            threads.append(me)
            return true
        }
        guard allowed else { throw StoreError.nestedTransaction(path: path) }
    }

    private func leaveTransaction() {
        let me = pthread_self()
        threadsInTransaction.withLock { threads in
            if let index = threads.lastIndex(where: { pthread_equal($0, me) != 0 }) {
                threads.remove(at: index)
            }
        }
    }

    private func currentThreadInTransaction() -> Bool {
        let me = pthread_self()
        return threadsInTransaction.withLock { threads in threads.contains { pthread_equal($0, me) != 0 } }
    }
}
