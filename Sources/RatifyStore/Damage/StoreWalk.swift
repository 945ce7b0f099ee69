import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads every record of every table in a data directory, read-only, and checks what liblmdb
/// trusts without checking: that each table holds as many entries as its header says (a
/// corrupted tree can make a cursor cycle forever), that no key or value is longer than the
/// file, that every value's bytes can be read (one byte per page is touched, so a value that
/// points past the end of `data.mdb` faults here), and that the free-page list names only pages
/// of the file, each once (a bad free list makes the next write overwrite live pages).
///
/// liblmdb follows page numbers and offsets inside pages as they are, so a damaged page can
/// still crash (SIGSEGV, SIGBUS, an assertion's SIGABRT) the process that walks it. Run the walk
/// in a child process (`StoreWalkChild`), never in a node: the child dying is the answer
/// "damaged", and the caller lives to say so.
public enum StoreWalk {
    public struct Summary: Sendable, Equatable {
        public var tables: Int
        public var entries: Int
        public var freePages: Int
        public var dataFileBytes: Int
        /// The sum of the bytes the walk touched (one per page of every key and value); kept so
        /// the compiler cannot drop the reads that make a value past the file's end fault.
        public var touchedByteSum: UInt8
    }

    /// A problem the walk found itself, without crashing; `description` names the table.
    public struct Damage: Error, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// More named tables than this in the main table is damage: a node makes 15.
    public static let tablesMax = 64
    /// liblmdb's key limit with its default build (`mdb_env_get_maxkeysize`).
    static let keyBytesMax = 511
    /// The smallest leaf node liblmdb writes: an 8-byte header and a 2-byte slot; a table that
    /// claims more entries than the file can hold at this size is damaged.
    static let entryBytesMin = 10
    static let freeDatabase: MDB_dbi = 0
    static let mainDatabase: MDB_dbi = 1

    /// Walks `dataDirectory` (normally `<home>/data`), calling `progress` with what it reads
    /// next ("table blocks", "the table list", "the free-page list"). Throws `Damage` for damage
    /// it detects, `StoreError` (in use, missing or truncated file) and `LMDBError` for failures
    /// to open. Takes `ratify.lock` while it runs.
    public static func run(dataDirectory: String, progress: (String) -> Void = { _ in }) throws -> Summary {
        try withReadTransaction(dataDirectory) { walker, lastPage in
            progress(tableListName)
            let names = try walker.tableNames()
            var summary = Summary(tables: names.count, entries: 0, freePages: 0, dataFileBytes: walker.dataFileBytes, touchedByteSum: 0)
            for name in names {
                progress("table \(name)")
                summary.entries += try walker.walk(try walker.open(name), "table \(name)") { _, _ in }
            }
            progress(freeListName)
            summary.freePages = try walker.walkFreePages(lastPage: lastPage)
            summary.touchedByteSum = walker.touched
            return summary
        } ?? Summary(tables: 0, entries: 0, freePages: 0, dataFileBytes: 0, touchedByteSum: 0)
    }

    /// The records of the `signer` table (key `state`: the double-sign guard's `SignerState`;
    /// `ffg`: the checkpoint signer's epochs), read from `dataDirectory` without reading any
    /// other table, so that they can be saved from a store whose other tables are damaged.
    /// Empty when the store never signed; a store without a signer table is damaged. Same
    /// errors, lock and child-process caveat as `run`.
    /// The guard's `state` is the later of the table's and the latest in the directory's
    /// consensus journal (`SignerJournal`), which holds the signatures made since the store was
    /// last opened or closed; a table record that does not decode is left as it is, for the
    /// adoption to refuse.
    public static func signerRecords(dataDirectory: String) throws -> [(key: [UInt8], value: [UInt8])] {
        var records: [(key: [UInt8], value: [UInt8])] = try withReadTransaction(dataDirectory) { walker, _ in
            // A damaged table list can hide the signer table: "not found" is only believed after
            // the whole list was read, and every store `NodeStore.open` made has one.
            guard try walker.tableNames().contains(signerTable) else {
                throw Damage(reason: "the table list has no \(signerTable) table")
            }
            var records: [(key: [UInt8], value: [UInt8])] = []
            _ = try walker.walk(try walker.open(signerTable), "table \(signerTable)") { key, value in
                records.append((Array(key), Array(value)))
            }
            return records
        } ?? []
        guard let journaled = try latestJournaledState(dataDirectory) else { return records }
        if let index = records.firstIndex(where: { $0.key == DoubleSignGuard.stateKey }) {
            guard let stored = try? SignerState(canonicalBytes: records[index].value),
                  stored.position < journaled.position else { return records }
            records[index].value = journaled.canonicalBytes
        } else {
            records.append((DoubleSignGuard.stateKey, journaled.canonicalBytes))
        }
        return records
    }

    /// The latest signer state in the directory's consensus journal, by position.
    static func latestJournaledState(_ dataDirectory: String) throws -> SignerState? {
        guard let records = try ConsensusJournal.records(atPath: dataDirectory + "/" + SignerJournal.fileName) else { return nil }
        var latest: SignerState?
        for record in records {
            do {
                latest = SignerJournal.later(latest, try JournalEntry(canonicalBytes: record.payload).signerState)
            } catch {
                throw Damage(reason: "consensus journal record \(record.sequence) does not decode: \(error)")
            }
        }
        return latest
    }

    /// Takes `ratify.lock`, checks the file as `LMDBEnvironment.open` does, opens the
    /// environment read-only and runs `body` in one read transaction with the last page in use.
    /// Nil, without running `body`, when `data.mdb` is empty: nothing was ever stored.
    private static func withReadTransaction<Result>(_ dataDirectory: String,
                                                    _ body: (inout Walker, Int) throws -> Result) throws -> Result? {
        let lock = try DataDirectoryLock.acquire(directory: dataDirectory)
        defer { lock.release() }
        try DataFileIntegrity.checkBeforeOpen(directory: dataDirectory)
        let dataFileBytes = DataFileIntegrity.fileSize(dataDirectory + "/" + DataFileIntegrity.dataFileName) ?? 0
        guard dataFileBytes > 0 else { return nil }
        let environment = try openReadOnly(dataDirectory)
        defer { mdb_env_close(environment) }
        try DataFileIntegrity.checkAfterOpen(directory: dataDirectory, environment: environment)
        var info = MDB_envinfo()
        try check(mdb_env_info(environment, &info), "mdb_env_info", dataDirectory)
        var begun: OpaquePointer?
        try check(mdb_txn_begin(environment, nil, UInt32(MDB_RDONLY), &begun), "mdb_txn_begin", dataDirectory)
        guard let transaction = begun else { throw Damage(reason: "liblmdb returned no read transaction") }
        defer { mdb_txn_abort(transaction) }
        var walker = Walker(transaction: transaction, dataFileBytes: dataFileBytes, pageBytes: DataFileIntegrity.pageBytes())
        return try body(&walker, info.me_last_pgno)
    }

    static let signerTable = "signer"
    /// What the walk names when it reads liblmdb's main table (the list of named tables) and
    /// its free-page list, in messages and progress.
    static let tableListName = "the table list"
    static let freeListName = "the free-page list"

    private static func openReadOnly(_ directory: String) throws -> OpaquePointer {
        var created: OpaquePointer?
        let createStatus = mdb_env_create(&created)
        guard createStatus == 0, let environment = created else {
            throw LMDBError(code: createStatus, operation: "mdb_env_create", path: directory)
        }
        var status = mdb_env_set_maxdbs(environment, MDB_dbi(tablesMax))
        if status == 0 { status = mdb_env_open(environment, directory, UInt32(MDB_RDONLY | MDB_NOTLS), 0o600) }
        guard status == 0 else {
            mdb_env_close(environment)
            if let reason = LMDBEnvironment.corruptionReason(status) {
                throw StoreError.corrupted(path: directory, reason: "\(reason) (\(text(status)))")
            }
            throw LMDBError(code: status, operation: "mdb_env_open", path: directory)
        }
        return environment
    }

    static func check(_ status: Int32, _ operation: String, _ directory: String) throws {
        guard status == 0 else { throw LMDBError(code: status, operation: operation, path: directory) }
    }

    static func text(_ status: Int32) -> String {
        mdb_strerror(status).map { String(cString: $0) } ?? "liblmdb code \(status)"
    }

    /// The walk's state inside one read transaction.
    private struct Walker {
        let transaction: OpaquePointer
        let dataFileBytes: Int
        let pageBytes: Int
        /// See `Summary.touchedByteSum`.
        var touched: UInt8 = 0

        init(transaction: OpaquePointer, dataFileBytes: Int, pageBytes: Int) {
            self.transaction = transaction
            self.dataFileBytes = dataFileBytes
            self.pageBytes = pageBytes
        }

        /// The handle of the named table `name`, listed in the table list.
        func open(_ name: String) throws -> MDB_dbi {
            var handle = MDB_dbi()
            let status = mdb_dbi_open(transaction, name, 0, &handle)
            guard status == 0 else { throw Damage(reason: "table \(name) is listed but cannot be opened: \(StoreWalk.text(status))") }
            return handle
        }

        /// The names in the main table, each the name of a named table.
        mutating func tableNames() throws -> [String] {
            var names: [String] = []
            _ = try walk(StoreWalk.mainDatabase, StoreWalk.tableListName) { key, _ in
                guard names.count < StoreWalk.tablesMax else {
                    throw Damage(reason: "the main table lists more than \(StoreWalk.tablesMax) tables")
                }
                let name = String(decoding: key, as: UTF8.self)
                guard !key.contains(0), Array(name.utf8) == Array(key) else {
                    throw Damage(reason: "the main table lists a table whose name is not text (\(key.count) bytes)")
                }
                names.append(name)
            }
            return names
        }

        /// Visits every entry of `database` in key order; `visit` gets the key and value bytes
        /// (valid only during the call). Returns the number of entries.
        mutating func walk(_ database: MDB_dbi, _ name: String,
                           _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Int {
            var stat = MDB_stat()
            let statStatus = mdb_stat(transaction, database, &stat)
            guard statStatus == 0 else { throw Damage(reason: "\(name): its header cannot be read: \(StoreWalk.text(statStatus))") }
            let claimed = stat.ms_entries
            guard claimed <= dataFileBytes / StoreWalk.entryBytesMin else {
                throw Damage(reason: "\(name) claims \(claimed) entries, more than a \(dataFileBytes)-byte data.mdb can hold")
            }
            var opened: OpaquePointer?
            let openStatus = mdb_cursor_open(transaction, database, &opened)
            guard openStatus == 0, let cursor = opened else {
                throw Damage(reason: "\(name): no cursor: \(StoreWalk.text(openStatus))")
            }
            defer { mdb_cursor_close(cursor) }
            var key = MDB_val()
            var value = MDB_val()
            var count = 0
            var status = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
            while status == 0 {
                count += 1
                guard count <= claimed else {
                    throw Damage(reason: "\(name) yields more than the \(claimed) entries its header claims (its tree loops)")
                }
                let keyBytes = try bytes(key, maxBytes: StoreWalk.keyBytesMax, "key", name, count)
                let valueBytes = try bytes(value, maxBytes: dataFileBytes, "value", name, count)
                try visit(keyBytes, valueBytes)
                status = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
            }
            guard status == MDB_NOTFOUND else {
                throw Damage(reason: "\(name), after entry \(count): \(StoreWalk.text(status))")
            }
            guard count == claimed else {
                throw Damage(reason: "\(name) yields \(count) entries but its header claims \(claimed)")
            }
            return count
        }

        /// The free-page list: key a transaction id, value a count `n` then `n` page numbers
        /// (machine words). Every page must be one of the file's data pages, and listed once.
        mutating func walkFreePages(lastPage: Int) throws -> Int {
            let wordBytes = MemoryLayout<Int>.size
            var seen = [Bool](repeating: false, count: lastPage + 1)
            var pages = 0
            _ = try walk(StoreWalk.freeDatabase, StoreWalk.freeListName) { _, value in
                guard value.count >= wordBytes, value.count % wordBytes == 0 else {
                    throw Damage(reason: "the free-page list holds a \(value.count)-byte record, not a list of page numbers")
                }
                let listed = value.loadUnaligned(as: Int.self)
                guard listed >= 0, listed == value.count / wordBytes - 1 else {
                    throw Damage(reason: "the free-page list holds a record that counts \(listed) pages in \(value.count) bytes")
                }
                for index in 0..<listed {
                    let page = value.loadUnaligned(fromByteOffset: (index + 1) * wordBytes, as: Int.self)
                    // Pages 0 and 1 are the meta pages, never free.
                    guard page >= 2, page <= lastPage else {
                        throw Damage(reason: "the free-page list names page \(page), outside the data pages 2...\(lastPage)")
                    }
                    guard !seen[page] else { throw Damage(reason: "the free-page list names page \(page) twice") }
                    seen[page] = true
                }
                pages += listed
            }
            return pages
        }

        /// Checks a key's or value's length and touches one byte per page of it, so a value
        /// that points past the file faults here rather than in a node.
        private mutating func bytes(_ value: MDB_val, maxBytes: Int, _ what: String, _ table: String, _ entry: Int) throws -> UnsafeRawBufferPointer {
            guard value.mv_size <= maxBytes else {
                throw Damage(reason: "\(table), entry \(entry): a \(value.mv_size)-byte \(what), longer than the \(maxBytes) bytes possible")
            }
            guard value.mv_size > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
            guard let start = value.mv_data else {
                throw Damage(reason: "\(table), entry \(entry): a \(value.mv_size)-byte \(what) at no address")
            }
            let buffer = UnsafeRawBufferPointer(start: UnsafeRawPointer(start), count: value.mv_size)
            var offset = 0
            while offset < buffer.count {
                touched &+= buffer[offset]
                offset += pageBytes
            }
            touched &+= buffer[buffer.count - 1]
            return buffer
        }
    }
}
