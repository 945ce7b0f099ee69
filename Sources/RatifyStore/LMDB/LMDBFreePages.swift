#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The pages of an LMDB data file that its newest meta page lists as free, read with `pread`
/// rather than through the memory map, so a page missing from the file is an error here and
/// never a SIGBUS.
///
/// Needed because LMDB does not write a page that a transaction allocated and freed again
/// before committing: it goes straight to the free list, and when it was the highest page
/// allocated the file can end before it. `DataFileIntegrity` accepts a file shorter than its
/// last page only when every missing page is one of these.
///
/// The layout read here is liblmdb 0.9's on-disk format (64-bit page numbers): a 16-byte page
/// header (page number, pad, flags, lower and upper bounds or an overflow page count), the
/// meta record after it on pages 0 and 1, and B-tree nodes of 8-byte headers.
struct LMDBFreePages {
    enum Problem: Error {
        /// A page the free list needs lies past the end of the file.
        case pageMissing(UInt64)
        /// The free list's pages do not have LMDB's layout.
        case malformed(String)
    }

    private let descriptor: Int32
    private let pageBytes: Int
    private let fileBytes: Int

    static let pageHeaderBytes = 16
    static let nodeHeaderBytes = 8
    static let metaMagic: UInt32 = 0xBEEF_C0DE
    static let invalidPage = UInt64.max
    static let branchFlag: UInt16 = 0x01
    static let leafFlag: UInt16 = 0x02
    static let bigDataFlag: UInt16 = 0x01
    /// Offsets inside a meta page: the transaction id, and the free database's depth and root.
    static let metaTransactionOffset = 144
    static let freeDepthOffset = 46
    static let freeRootOffset = 80

    /// The free pages recorded by the meta page of transaction `transactionID` (the newest).
    static func read(path: String, pageBytes: Int, transactionID: UInt64) throws -> Set<UInt64> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Problem.malformed("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Problem.malformed("cannot stat \(path)") }
        let reader = LMDBFreePages(descriptor: descriptor, pageBytes: pageBytes, fileBytes: Int(info.st_size))
        return try reader.freePages(transactionID: transactionID)
    }

    private func freePages(transactionID: UInt64) throws -> Set<UInt64> {
        let metas = try [0, 1].map { try page($0) }
        guard let meta = metas.first(where: {
            Self.u32($0, Self.pageHeaderBytes) == Self.metaMagic && Self.u64($0, Self.metaTransactionOffset) == transactionID
        }) else {
            throw Problem.malformed("no meta page records transaction \(transactionID)")
        }
        let root = Self.u64(meta, Self.freeRootOffset)
        var free = Set<UInt64>()
        guard root != Self.invalidPage else { return free }
        let depth = Int(Self.u16(meta, Self.freeDepthOffset))
        var pagesLeft = fileBytes / pageBytes
        try collect(page: root, levelsLeft: depth, pagesLeft: &pagesLeft, into: &free)
        return free
    }

    /// Walks the free database's subtree at `number`; its leaves map transaction ids to lists
    /// of page numbers (a count, then the pages). `pagesLeft` bounds the walk on a damaged
    /// tree that points back into itself.
    private func collect(page number: UInt64, levelsLeft: Int, pagesLeft: inout Int, into free: inout Set<UInt64>) throws {
        guard levelsLeft > 0, pagesLeft > 0 else { throw Problem.malformed("the free list's tree is deeper than its meta page says") }
        pagesLeft -= 1
        let bytes = try page(number)
        let flags = Self.u16(bytes, 10)
        let lower = Int(Self.u16(bytes, 12))
        let upper = Int(Self.u16(bytes, 14))
        guard lower >= Self.pageHeaderBytes, lower <= upper, upper <= pageBytes else {
            throw Problem.malformed("page \(number) of the free list has bounds \(lower)...\(upper)")
        }
        for index in 0..<(lower - Self.pageHeaderBytes) / 2 {
            let node = Int(Self.u16(bytes, Self.pageHeaderBytes + 2 * index))
            guard node >= upper, node + Self.nodeHeaderBytes <= pageBytes else {
                throw Problem.malformed("page \(number) of the free list has a node at \(node)")
            }
            let low = UInt64(Self.u16(bytes, node)), high = UInt64(Self.u16(bytes, node + 2))
            let nodeFlags = Self.u16(bytes, node + 4)
            if flags & Self.branchFlag != 0 {
                let child = low | high << 16 | UInt64(nodeFlags) << 32
                try collect(page: child, levelsLeft: levelsLeft - 1, pagesLeft: &pagesLeft, into: &free)
            } else if flags & Self.leafFlag != 0 {
                let dataOffset = node + Self.nodeHeaderBytes + Int(Self.u16(bytes, node + 6))
                let list = try leafData(bytes, page: number, at: dataOffset, count: Int(low | high << 16), big: nodeFlags & Self.bigDataFlag != 0)
                guard list.count >= 8 else { throw Problem.malformed("page \(number) of the free list holds an empty entry") }
                let listed = Self.u64(list, 0)
                guard listed <= UInt64(list.count / 8 - 1) else {
                    throw Problem.malformed("page \(number) of the free list lists \(listed) pages in \(list.count) bytes")
                }
                for entry in 0..<Int(listed) { free.insert(Self.u64(list, 8 * (entry + 1))) }
            } else {
                throw Problem.malformed("page \(number) of the free list is neither a branch nor a leaf (flags \(flags))")
            }
        }
    }

    /// A leaf's value: inline after its key, or on overflow pages when `big`.
    private func leafData(_ bytes: [UInt8], page: UInt64, at offset: Int, count: Int, big: Bool) throws -> [UInt8] {
        guard big else {
            guard offset + count <= pageBytes else { throw Problem.malformed("page \(page) of the free list has a value past its end") }
            return Array(bytes[offset..<offset + count])
        }
        guard offset + 8 <= pageBytes else { throw Problem.malformed("page \(page) of the free list has a value past its end") }
        let first = Self.u64(bytes, offset)
        let (end, overflow) = first.multipliedReportingOverflow(by: UInt64(pageBytes))
        guard !overflow, end <= UInt64(fileBytes), count <= fileBytes - Int(end) - Self.pageHeaderBytes else {
            throw Problem.pageMissing(first)
        }
        return try readBytes(at: Int(end) + Self.pageHeaderBytes, count: count)
    }

    private func page(_ number: UInt64) throws -> [UInt8] {
        let (start, overflow) = number.multipliedReportingOverflow(by: UInt64(pageBytes))
        guard !overflow, start + UInt64(pageBytes) <= UInt64(fileBytes) else { throw Problem.pageMissing(number) }
        return try readBytes(at: Int(start), count: pageBytes)
    }

    private func readBytes(at offset: Int, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let read = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
            }
            if read < 0 && errno == EINTR { continue }
            guard read > 0 else { throw Problem.malformed("cannot read \(count) bytes at offset \(offset)") }
            done += read
        }
        return bytes
    }

    // Little-endian fields, as liblmdb writes them on the machines it runs on here.
    private static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    private static func u64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
    }
}
