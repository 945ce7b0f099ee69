import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RatifyCore

/// Snapshots on disk, beside the LMDB store: `data/snapshots/<height>/manifest` and
/// `chunk-<index>` files (docs/STORAGE.md, "Snapshots"). A snapshot is written into a
/// `.partial-<height>` directory, each file fsynced, and renamed into place, so a crash never
/// leaves a listed snapshot half written; partial directories are removed on the next write.
/// Reads check every chunk against the manifest, so a damaged file is reported, never served.
public struct SnapshotStore: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// The store beside a node's LMDB data directory.
    public init(dataDirectory: String) { self.init(directory: dataDirectory + "/snapshots") }

    static let manifestName = "manifest"
    static let partialPrefix = ".partial-"

    static func chunkName(_ index: Int) -> String { "chunk-" + String(index) }

    func path(height: UInt64) -> String { directory + "/" + String(height) }

    /// Every complete snapshot, newest first. A directory whose manifest is missing or does not
    /// decode is skipped (and reported by `check`).
    public func list() -> [SnapshotManifest] {
        heights().sorted(by: >).compactMap { try? manifest(height: $0) }
    }

    /// The heights of the snapshot directories present.
    func heights() -> [UInt64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { UInt64($0) }
    }

    public func manifest(height: UInt64) throws -> SnapshotManifest? {
        let file = path(height: height) + "/" + Self.manifestName
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        let bytes = try Self.read(file)
        do {
            let manifest = try SnapshotManifest(canonicalBytes: bytes)
            guard manifest.height == height else {
                throw StoreError.corrupted(path: file, reason: "the manifest is for height \(manifest.height)")
            }
            return manifest
        } catch let error as DecodeError {
            throw StoreError.corrupted(path: file, reason: "\(error)")
        }
    }

    /// Chunk `index` of the snapshot at `height`, checked against its manifest; nil when there
    /// is no such snapshot or chunk. A chunk whose bytes do not match throws `corrupted`.
    public func chunk(height: UInt64, index: Int) throws -> [UInt8]? {
        guard let manifest = try manifest(height: height), manifest.chunkHashes.indices.contains(index) else { return nil }
        let file = path(height: height) + "/" + Self.chunkName(index)
        let bytes = try Self.read(file)
        guard Hash.sha256(bytes) == manifest.chunkHashes[index] else {
            throw StoreError.corrupted(path: file, reason: "the chunk does not hash to its manifest entry")
        }
        return bytes
    }

    /// Writes a snapshot (its chunks, then its manifest), durably, and makes it visible at once.
    /// An existing snapshot of the same height is left as it is.
    @discardableResult
    public func write(height: UInt64, appHash: Hash, blockHash: Hash, stateEntries: UInt64, chunks: [[UInt8]]) throws -> SnapshotManifest {
        let manifest = SnapshotManifest(height: height, appHash: appHash, blockHash: blockHash, stateEntries: stateEntries,
                                        chunkHashes: chunks.map { Hash.sha256($0) })
        let final = path(height: height)
        if FileManager.default.fileExists(atPath: final) { return manifest }
        try createDirectory(directory)
        removePartials()
        let partial = directory + "/" + Self.partialPrefix + String(height)
        try createDirectory(partial)
        for (index, chunk) in chunks.enumerated() {
            try Self.writeDurably(chunk, to: partial + "/" + Self.chunkName(index))
        }
        try Self.writeDurably(manifest.canonicalBytes, to: partial + "/" + Self.manifestName)
        guard rename(partial, final) == 0 else { throw Self.ioError(final, "rename") }
        Self.syncDirectory(directory)
        return manifest
    }

    /// Deletes all but the `keepRecent` newest snapshots; returns the heights deleted.
    @discardableResult
    public func prune(keepRecent: Int) throws -> [UInt64] {
        let doomed = heights().sorted(by: >).dropFirst(max(keepRecent, 0))
        for height in doomed {
            do {
                try FileManager.default.removeItem(atPath: path(height: height))
            } catch {
                throw StoreError.io(path: path(height: height), operation: "remove", errno: 0, message: "\(error)")
            }
        }
        return Array(doomed)
    }

    /// Problems found by reading every snapshot whole: unreadable manifests, missing or
    /// damaged chunks. Empty when every listed snapshot can be served.
    public func check() -> [String] {
        var problems: [String] = []
        for height in heights().sorted() {
            do {
                guard let manifest = try manifest(height: height) else {
                    problems.append("snapshot \(height): no manifest")
                    continue
                }
                for index in manifest.chunkHashes.indices where try chunk(height: height, index: index) == nil {
                    problems.append("snapshot \(height): chunk \(index) is missing")
                }
            } catch {
                problems.append("snapshot \(height): \(error)")
            }
        }
        return problems
    }

    private func removePartials() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix(Self.partialPrefix) {
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    private func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw StoreError.io(path: path, operation: "create directory", errno: 0, message: "\(error)")
        }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError.io(path: path, operation: "read", errno: errno, message: "cannot read the file")
        }
        return [UInt8](data)
    }

    static func writeDurably(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ioError(path, "open") }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            guard count > 0 else { throw ioError(path, "write") }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw ioError(path, "fsync") }
    }

    static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    static func ioError(_ path: String, _ operation: String) -> StoreError {
        let code = errno
        return StoreError.io(path: path, operation: operation, errno: code, message: String(cString: strerror(code)))
    }
}
