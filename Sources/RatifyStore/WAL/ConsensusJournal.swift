import Glibc
import RatifyCore
import Synchronization

/// An append-only file of records, each made durable by one write and one device flush: the
/// signer's state and the WAL records that must be on disk before a signature leaves, without
/// LMDB's second flush for its meta page.
///
/// The file is written out with zeros ahead of use, so an append overwrites allocated blocks
/// and changes no file metadata: `fdatasync` then flushes the record's pages alone. Each record
/// is framed as payload length (4 bytes, big-endian), sequence number (8), SHA-256 of those
/// twelve bytes and the payload (32), then the payload. Sequence numbers rise by one from record
/// to record. Opening scans from the start and keeps the longest run of intact records with
/// consecutive sequence numbers: a record torn by a crash, the zeros beyond the last append and
/// records left from before a `restart` all end the run.
public final class ConsensusJournal: Sendable {
    public struct Record: Sendable, Equatable {
        public let sequence: UInt64
        public let payload: [UInt8]

        public init(sequence: UInt64, payload: [UInt8]) {
            self.sequence = sequence
            self.payload = payload
        }
    }

    /// Length, sequence number and digest.
    static let frameHeaderBytes = 4 + 8 + 32
    /// A payload larger than this is refused: a proposal's WAL record carries a whole block.
    public static let payloadBytesMax = ConsensusWAL.recordBytesMax + (64 << 10)
    /// How much the file is written out ahead when it is created or has to grow.
    public static let preallocationBytesDefault = 16 << 20

    private struct State {
        var descriptor: Int32
        /// Where the next record goes.
        var offset: Int
        var nextSequence: UInt64
        var fileBytes: Int
        /// Set when a write or flush failed: what reached the disk is then unknown, so nothing
        /// more is appended.
        var failure: String?
    }

    public let path: String
    private let preallocationBytes: Int
    private let state: Mutex<State>

    private init(path: String, descriptor: Int32, offset: Int, nextSequence: UInt64, fileBytes: Int, preallocationBytes: Int) {
        self.path = path
        self.preallocationBytes = preallocationBytes
        self.state = Mutex(State(descriptor: descriptor, offset: offset, nextSequence: nextSequence, fileBytes: fileBytes))
    }

    deinit {
        state.withLock { state in
            if state.descriptor >= 0 { _ = Glibc.close(state.descriptor) }
        }
    }

    /// Opens the journal at `path`, creating it (written out to `preallocationBytes` and flushed,
    /// with its directory) if it does not exist, and returns it with the records it holds. The
    /// next append follows the last of them.
    public static func open(path: String, preallocationBytes: Int = preallocationBytesDefault) throws -> (ConsensusJournal, [Record]) {
        precondition(preallocationBytes > frameHeaderBytes, "the journal must hold at least one record")
        var created = false
        var descriptor = Glibc.open(path, O_RDWR | O_CLOEXEC)
        if descriptor < 0, errno == ENOENT {
            descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            created = true
        }
        guard descriptor >= 0 else { throw ioError(path, "open") }
        do {
            if created {
                try writeZeros(descriptor, path, from: 0, to: preallocationBytes)
                try syncDirectory(of: path)
            }
            let contents = try readAll(descriptor, path)
            let records = scan(contents)
            let end = records.reduce(0) { $0 + frameHeaderBytes + $1.payload.count }
            let journal = ConsensusJournal(path: path, descriptor: descriptor, offset: end,
                                           nextSequence: (records.last?.sequence ?? 0) &+ 1,
                                           fileBytes: contents.count, preallocationBytes: preallocationBytes)
            return (journal, records)
        } catch {
            _ = Glibc.close(descriptor)
            throw error
        }
    }

    /// The records of the journal at `path`, read without opening it for writing (a store walk
    /// of a damaged directory); nil when there is no journal.
    public static func records(atPath path: String) throws -> [Record]? {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0, errno == ENOENT { return nil }
        guard descriptor >= 0 else { throw ioError(path, "open") }
        defer { _ = Glibc.close(descriptor) }
        return scan(try readAll(descriptor, path))
    }

    /// Appends `payload` and returns its sequence number once it is on disk.
    @discardableResult
    public func append(_ payload: [UInt8]) throws -> UInt64 {
        // An empty record would read back as the end of the journal.
        guard !payload.isEmpty else { throw StoreError.invalidRecord(database: "journal", reason: "an empty record") }
        guard payload.count <= Self.payloadBytesMax else {
            throw StoreError.valueTooLarge(database: "journal", length: payload.count, max: Self.payloadBytesMax)
        }
        return try state.withLock { state in
            try refuseIfUnusable(state)
            let frame = Self.frame(sequence: state.nextSequence, payload: payload)
            do {
                if state.offset + frame.count > state.fileBytes {
                    // Grown rarely and by a lot: the growth's flush carries the new size.
                    let grown = max(state.fileBytes * 2, state.offset + frame.count + preallocationBytes)
                    try Self.writeZeros(state.descriptor, path, from: state.fileBytes, to: grown)
                    state.fileBytes = grown
                }
                try Self.writeFully(state.descriptor, path, frame, at: state.offset)
                guard fdatasync(state.descriptor) == 0 else { throw Self.ioError(path, "fdatasync") }
            } catch {
                state.failure = "a write failed: \(error)"
                throw error
            }
            state.offset += frame.count
            let sequence = state.nextSequence
            state.nextSequence &+= 1
            return sequence
        }
    }

    /// Starts the journal over: the next record goes to the start of the file with sequence
    /// number `sequence + 1`. The caller has made every record up to `sequence` durable
    /// elsewhere; records left behind have sequence numbers at most `sequence` and no longer
    /// count. Nothing is flushed: until the next append the old records are still there, and
    /// the caller skips them by sequence number.
    public func restart(after sequence: UInt64) throws {
        try state.withLock { state in
            try refuseIfUnusable(state)
            guard sequence &+ 1 >= state.nextSequence else {
                throw StoreError.invalidRecord(database: "journal", reason: "restart after \(sequence), but \(state.nextSequence - 1) records were appended")
            }
            state.offset = 0
            state.nextSequence = sequence &+ 1
        }
    }

    /// Closes the file; later appends and restarts throw.
    public func close() {
        state.withLock { state in
            guard state.descriptor >= 0 else { return }
            _ = Glibc.close(state.descriptor)
            state.descriptor = -1
            state.failure = state.failure ?? "the journal is closed"
        }
    }

    private func refuseIfUnusable(_ state: State) throws {
        if let failure = state.failure { throw StoreError.corrupted(path: path, reason: "the journal takes no more records (\(failure)); reopen the store") }
    }

    /// Bytes from the start of the file to the end of the last record.
    public var bytesUsed: Int { state.withLock { $0.offset } }

    /// The sequence number the next record gets.
    public var nextSequence: UInt64 { state.withLock { $0.nextSequence } }

    static func frame(sequence: UInt64, payload: [UInt8]) -> [UInt8] {
        var head = withUnsafeBytes(of: UInt32(payload.count).bigEndian) { Array($0) }
        head += withUnsafeBytes(of: sequence.bigEndian) { Array($0) }
        let digest = Hash.sha256(head + payload)
        return head + digest.bytes + payload
    }

    /// The longest run of intact records with consecutive sequence numbers from the start.
    static func scan(_ contents: [UInt8]) -> [Record] {
        var records: [Record] = []
        var offset = 0
        while contents.count - offset >= frameHeaderBytes {
            let length = contents[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let sequence = contents[offset + 4..<offset + 12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            // Zeros beyond the last append read as an empty record numbered 0: the end.
            guard length > 0, length <= payloadBytesMax, contents.count - offset - frameHeaderBytes >= length else { break }
            if let previous = records.last?.sequence, sequence != previous &+ 1 { break }
            let payloadStart = offset + frameHeaderBytes
            let payload = Array(contents[payloadStart..<payloadStart + length])
            guard Hash.sha256(Array(contents[offset..<offset + 12]) + payload).bytes == Array(contents[offset + 12..<payloadStart]) else { break }
            records.append(Record(sequence: sequence, payload: payload))
            offset = payloadStart + length
        }
        return records
    }

    private static func readAll(_ descriptor: Int32, _ path: String) throws -> [UInt8] {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ioError(path, "fstat") }
        let size = Int(status.st_size)
        var contents = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let count = contents.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, size - done, off_t(done)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw ioError(path, "pread") }
            done += count
        }
        return contents
    }

    private static func writeZeros(_ descriptor: Int32, _ path: String, from start: Int, to end: Int) throws {
        let chunk = [UInt8](repeating: 0, count: 1 << 20)
        var offset = start
        while offset < end {
            let count = min(chunk.count, end - offset)
            try writeFully(descriptor, path, Array(chunk[0..<count]), at: offset)
            offset += count
        }
        guard fsync(descriptor) == 0 else { throw ioError(path, "fsync") }
    }

    private static func writeFully(_ descriptor: Int32, _ path: String, _ bytes: [UInt8], at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw ioError(path, "pwrite") }
            done += count
        }
    }

    /// A new file's name is durable once its directory is flushed.
    private static func syncDirectory(of path: String) throws {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let descriptor = Glibc.open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ioError(directory, "open") }
        defer { _ = Glibc.close(descriptor) }
        guard fsync(descriptor) == 0 else { throw ioError(directory, "fsync") }
    }

    private static func ioError(_ path: String, _ operation: String) -> StoreError {
        let code = errno
        return StoreError.io(path: path, operation: operation, errno: code, message: String(cString: strerror(code)))
    }
}
