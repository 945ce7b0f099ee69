import CLMDB
import Foundation
import RatifyCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `StoreWalk` in a child process with a time limit, so that a damaged `data.mdb` which
/// makes liblmdb fault (SIGSEGV, SIGBUS, SIGABRT) or loop kills or stalls the child, and the
/// caller turns that into a one-line `StoreError.corrupted` instead of dying with it.
///
/// The child is any executable whose entry point calls `childMain(dataDirectory:)` (the
/// `ratify` binary's hidden `store walk`, or the test worker). It prints one line per table as
/// it starts it (`reading table NAME`), then `ok ...` and exits 0, or `damaged REASON` and exits 3, or
/// `error LINE` and exits 1 (for instance: the directory is in use by a running node).
public enum StoreWalkChild {
    static let exitDamaged: Int32 = 3
    static let exitError: Int32 = 1
    static let pollMicros: UInt32 = 5_000
    /// Bytes of the child's output kept for the message; it prints about one line per table.
    static let outputBytesMax = 64 << 10

    /// What the child does.
    public enum Mode: String, Sendable, CaseIterable {
        /// Read every record of every table (`StoreWalk.run`).
        case walk
        /// Read only the `signer` table and print its records (`StoreWalk.signerRecords`).
        case signer
    }

    /// The child side: runs `mode` on `dataDirectory`, prints the protocol above (in `signer`
    /// mode also `signer KEYHEX VALUEHEX` per record) and returns the exit status.
    public static func childMain(dataDirectory: String, mode: Mode = .walk) -> Int32 {
        do {
            switch mode {
            case .walk:
                let summary = try StoreWalk.run(dataDirectory: dataDirectory) { say("reading \($0)") }
                say("ok tables=\(summary.tables) entries=\(summary.entries) free_pages=\(summary.freePages) bytes=\(summary.dataFileBytes) sum=\(summary.touchedByteSum)")
            case .signer:
                say("reading table \(StoreWalk.signerTable)")
                let records = try StoreWalk.signerRecords(dataDirectory: dataDirectory)
                for record in records.prefix(signerRecordsMax) { say("signer \(Hex.encode(record.key)) \(Hex.encode(record.value))") }
                say("ok signer records=\(records.count)")
            }
            return 0
        } catch let damage as StoreWalk.Damage {
            say("damaged \(damage.reason)")
            return exitDamaged
        } catch let StoreError.corrupted(_, reason) {
            say("damaged \(reason)")
            return exitDamaged
        } catch let error as LMDBError where error.meansCorruption {
            say("damaged \(error.operation): \(error.message)")
            return exitDamaged
        } catch {
            say("error \(error)")
            return exitError
        }
    }

    /// The signer table holds two records (`state`, `ffg`); more are printed up to this many.
    static let signerRecordsMax = 16

    /// How long a walk of a `dataFileBytes`-byte file may take before it counts as a hang:
    /// 20 s, plus 1 s per 16 MiB (a cold disk reading at 16 MiB/s; a warm walk runs at
    /// hundreds of MiB/s, see docs/STORAGE.md, "A damaged store").
    public static func timeLimitSeconds(dataFileBytes: Int) -> Int {
        20 + dataFileBytes / (16 << 20)
    }

    /// The parent side: runs `executable` with `arguments` (which must make it call
    /// `childMain(dataDirectory:mode: .walk)` on `dataDirectory`) and waits at most
    /// `timeLimitSeconds` (default: `timeLimitSeconds(dataFileBytes:)`). Returns the child's
    /// `ok` line. Throws `StoreError.corrupted` when the child found damage, died of a signal or
    /// ran out of time (it is then killed), and `StoreWalkChild.Failure` for anything else it
    /// reported. A directory without a `data.mdb` holds no store yet: nothing is run, nil returned.
    /// With `unlessClosedCleanly`, nothing is run either when `data.mdb` is unchanged since a
    /// clean close (`CleanCloseStamp`), and nil is returned.
    @discardableResult
    public static func verify(dataDirectory: String, executable: String, arguments: [String],
                              timeLimitSeconds limitSeconds: Int? = nil, unlessClosedCleanly: Bool = false) throws -> String? {
        guard DataFileIntegrity.fileSize(dataDirectory + "/" + DataFileIntegrity.dataFileName) != nil else { return nil }
        if unlessClosedCleanly, CleanCloseStamp.matches(directory: dataDirectory) { return nil }
        let lines = try run(dataDirectory: dataDirectory, executable: executable, arguments: arguments, limitSeconds: limitSeconds)
        return lines.last { $0.hasPrefix("ok ") }
    }

    /// The parent side of `.signer` mode: the `signer` table's records of `dataDirectory`, read
    /// by the child (`childMain(dataDirectory:mode: .signer)`). Errors as `verify`; a store
    /// whose signer table cannot be read is `StoreError.corrupted`.
    public static func signerRecords(dataDirectory: String, executable: String, arguments: [String],
                                     timeLimitSeconds limitSeconds: Int? = nil) throws -> [(key: [UInt8], value: [UInt8])] {
        guard DataFileIntegrity.fileSize(dataDirectory + "/" + DataFileIntegrity.dataFileName) != nil else {
            throw Failure(line: "\(dataDirectory) holds no \(DataFileIntegrity.dataFileName); give the data directory that was moved aside")
        }
        let lines = try run(dataDirectory: dataDirectory, executable: executable, arguments: arguments, limitSeconds: limitSeconds)
        return try lines.filter { $0.hasPrefix("signer ") }.map { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 3, let key = Hex.decode(fields[1]), let value = Hex.decode(fields[2]) else {
                throw Failure(line: "the store walker \(executable) printed a malformed signer line: \(line.prefix(80))")
            }
            return (key, value)
        }
    }

    /// Runs the child and returns its output lines when it exited 0.
    static func run(dataDirectory: String, executable: String, arguments: [String], limitSeconds: Int?) throws -> [String] {
        let dataFileBytes = DataFileIntegrity.fileSize(dataDirectory + "/" + DataFileIntegrity.dataFileName) ?? 0
        let limit = limitSeconds ?? timeLimitSeconds(dataFileBytes: dataFileBytes)
        let run = try runChild(executable: executable, arguments: arguments, limitSeconds: limit)
        let lines = run.output.split(separator: "\n").map(String.init)
        // The part the child announced last: "table blocks", "the table list", ...
        let part = lines.last { $0.hasPrefix("reading ") }.map { String($0.dropFirst("reading ".count)) } ?? "its header"
        switch run.ending {
        case .timedOut:
            throw StoreError.corrupted(path: dataDirectory, reason: "reading data.mdb did not finish within \(limit) s, stuck in \(part) (a damaged tree can make liblmdb loop)")
        case .signal(let number):
            throw StoreError.corrupted(path: dataDirectory, reason: "reading data.mdb crashed (\(signalName(number))) on a damaged page in \(part)")
        case .exit(0):
            guard lines.contains(where: { $0.hasPrefix("ok ") }) else {
                throw Failure(line: "the store walker \(executable) exited 0 without its summary line")
            }
            return lines
        case .exit(Self.exitDamaged):
            let reason = lines.last { $0.hasPrefix("damaged ") }.map { String($0.dropFirst("damaged ".count)) }
            throw StoreError.corrupted(path: dataDirectory, reason: reason ?? "data.mdb is damaged in \(part)")
        case .exit(let status):
            let line = lines.last { $0.hasPrefix("error ") }.map { String($0.dropFirst("error ".count)) }
            throw Failure(line: line ?? "the store walker \(executable) exited with status \(status): \(lines.last ?? "no output")")
        }
    }

    /// Something other than damage stopped the walk; `line` is the child's one-line error.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let line: String
        public var description: String { line }
    }

    enum Ending: Equatable {
        case exit(Int32)
        case signal(Int32)
        case timedOut
    }

    /// Runs the child with stdout and stderr in an unlinked temporary file (no pipe to fill).
    static func runChild(executable: String, arguments: [String], limitSeconds: Int) throws -> (ending: Ending, output: String) {
        var template = Array((NSTemporaryDirectory() + "/ratify-walk-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        guard descriptor >= 0 else {
            let code = errno
            throw StoreError.io(path: NSTemporaryDirectory(), operation: "mkstemp", errno: code, message: String(cString: strerror(code)))
        }
        unlink(template)
        let output = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw Failure(line: "cannot run the store walker \(executable): \(error)")
        }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(limitSeconds) * 1_000_000_000
        var timedOut = false
        while process.isRunning {
            if DispatchTime.now().uptimeNanoseconds >= deadline {
                kill(process.processIdentifier, SIGKILL)
                timedOut = true
                break
            }
            usleep(pollMicros)
        }
        process.waitUntilExit()
        let size = lseek(descriptor, 0, SEEK_END)
        let start = max(0, Int(size) - outputBytesMax)
        var bytes = [UInt8](repeating: 0, count: max(0, Int(size) - start))
        let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(start)) }
        let text = String(decoding: bytes.prefix(max(0, read)), as: UTF8.self)
        if timedOut { return (.timedOut, text) }
        switch process.terminationReason {
        case .uncaughtSignal: return (.signal(process.terminationStatus), text)
        case .exit: return (.exit(process.terminationStatus), text)
        @unknown default: return (.exit(process.terminationStatus), text)
        }
    }

    /// "signal 11, SIGSEGV" for the signals a damaged page causes; "signal N" otherwise.
    static func signalName(_ number: Int32) -> String {
        let names: [Int32: String] = [SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGILL: "SIGILL",
                                      SIGTRAP: "SIGTRAP", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL"]
        return "signal \(number)" + (names[number].map { ", \($0)" } ?? "")
    }

    private static func say(_ line: String) {
        // Unbuffered: the parent reads the last table named even when the next read kills us.
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }
}
