import RatifyCore

/// The consensus write-ahead log: opaque records (proposals, votes, timeouts, as the driver
/// encodes them) appended durably before the driver acts on them, and replayed after a restart
/// to rebuild the state machine for the height in progress.
///
/// Keys are (height, sequence) as 16 big-endian bytes, so a cursor returns records of one
/// height in append order. Each `append` is its own fsynced transaction: when it returns, the
/// record survives a crash.
public struct ConsensusWAL: Sendable {
    let environment: LMDBEnvironment
    let database: LMDBDatabase

    /// A record larger than this is refused: a proposal carries a whole block, plus room for
    /// the proposal's own fields and the driver's framing.
    public static let recordBytesMax = CodecLimits.blockBytesMax + (64 << 10)
    /// `records(height:)` refuses to return more than this many records.
    public static let recordsPerHeightMax = 100_000

    init(environment: LMDBEnvironment, database: LMDBDatabase) {
        self.environment = environment
        self.database = database
    }

    /// Appends `record` for `height` and returns its sequence number within the height.
    @discardableResult
    public func append(height: UInt64, record: [UInt8]) throws -> UInt64 {
        guard record.count <= Self.recordBytesMax else {
            throw StoreError.valueTooLarge(database: database.name, length: record.count, max: Self.recordBytesMax)
        }
        return try environment.write { transaction in try append(height: height, record: record, in: transaction) }
    }

    /// Appends inside a write transaction the caller commits (with the signer state, or with a
    /// decided block), so one fsync makes both durable.
    @discardableResult
    public func append(height: UInt64, record: [UInt8], in transaction: LMDBWriteTransaction) throws -> UInt64 {
        guard record.count <= Self.recordBytesMax else {
            throw StoreError.valueTooLarge(database: database.name, length: record.count, max: Self.recordBytesMax)
        }
        let sequence = try nextSequence(height: height, transaction)
        try transaction.put(database, StoreKey.walRecord(height: height, sequence: sequence), record)
        return sequence
    }

    /// The records of `height` in the order they were appended.
    public func records(height: UInt64) throws -> [[UInt8]] {
        try environment.read { transaction in
            var found: [[UInt8]] = []
            var overflow = false
            try transaction.forEach(database, from: StoreKey.walRecord(height: height, sequence: 0)) { entry in
                guard try decode(entry.key).height == height else { return false }
                guard found.count < Self.recordsPerHeightMax else {
                    overflow = true
                    return false
                }
                found.append(entry.value)
                return true
            }
            if overflow { throw StoreError.tooManyRecords(database: database.name, max: Self.recordsPerHeightMax) }
            return found
        }
    }

    /// Deletes every record of a height below `height`; returns how many were deleted.
    @discardableResult
    public func trim(below height: UInt64) throws -> Int {
        try environment.write { transaction in try trim(below: height, in: transaction) }
    }

    /// `trim` inside a write transaction the caller commits.
    @discardableResult
    public func trim(below height: UInt64, in transaction: LMDBWriteTransaction) throws -> Int {
        try transaction.deleteRange(
            database, from: StoreKey.walRecord(height: 0, sequence: 0),
            below: StoreKey.walRecord(height: height, sequence: 0))
    }

    /// Deletes the newest `count` records (highest height, highest sequence first) and returns
    /// how many were deleted. This is what a crash does to a log whose last appends never reached
    /// the disk: the tail is gone, everything before it is intact. For fault injection
    /// (`ratify store truncate-wal`, `ratify chaos`) on a stopped node; the node never calls it.
    @discardableResult
    public func truncateNewest(_ count: Int) throws -> Int {
        guard count > 0 else { return 0 }
        return try environment.write { transaction in
            try transaction.withCursor(database) { cursor in
                var deleted = 0
                var entry = try cursor.last()
                while entry != nil, deleted < count {
                    try cursor.deleteCurrent()
                    deleted += 1
                    // After a delete the cursor sits on the following entry (none here: it was
                    // the last), so step back from the new end.
                    entry = try cursor.last()
                }
                return deleted
            }
        }
    }

    /// How many records the log holds, across all heights.
    public func recordCount() throws -> Int {
        try environment.read { try $0.count(database) }
    }

    /// The lowest and highest heights with records, or nil when the log is empty.
    public func heightRange() throws -> ClosedRange<UInt64>? {
        try environment.read { transaction in
            try transaction.withCursor(database) { cursor in
                guard let first = try cursor.first(), let last = try cursor.last() else { return nil }
                return try decode(first.key).height...decode(last.key).height
            }
        }
    }

    private func nextSequence(height: UInt64, _ transaction: LMDBTransaction) throws -> UInt64 {
        try transaction.withCursor(database) { cursor in
            // The last record at or below `height` is just before the first key of height + 1.
            let previous: LMDBEntry?
            if height == UInt64.max {
                previous = try cursor.last()
            } else if try cursor.seek(atOrAfter: StoreKey.walRecord(height: height + 1, sequence: 0)) != nil {
                previous = try cursor.previous()
            } else {
                previous = try cursor.last()
            }
            guard let previous else { return 0 }
            let key = try decode(previous.key)
            guard key.height == height else { return 0 }
            let (next, overflow) = key.sequence.addingReportingOverflow(1)
            guard !overflow else { throw StoreError.tooManyRecords(database: database.name, max: Int.max) }
            return next
        }
    }

    private func decode(_ key: [UInt8]) throws -> (height: UInt64, sequence: UInt64) {
        guard let decoded = StoreKey.decodeWALRecord(key) else {
            throw StoreError.invalidRecord(database: database.name, reason: "a key of \(key.count) bytes, not 16")
        }
        return decoded
    }
}
