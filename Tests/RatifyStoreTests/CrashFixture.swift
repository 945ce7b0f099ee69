import RatifyCore
import RatifyStore

/// The formulas RatifyStoreCrashWorker uses (Sources/RatifyStoreCrashWorker/main.swift), so a
/// test can check what a killed worker left behind byte for byte.
enum CrashFixture {
    static let genesisHash = Hash.sha256(Array("ratify crash test genesis".utf8))
    static let options = LMDBOptions(mapBytesInitial: 64 << 10)
    static let key = KeyPair(seed: [UInt8](repeating: 7, count: 32))

    static func blockBytes(_ height: UInt64) -> [UInt8] {
        Array("block \(height)".utf8) + [UInt8](repeating: UInt8(truncatingIfNeeded: height), count: Int(height % 7) * 1_000)
    }

    static func commitBytes(_ height: UInt64) -> [UInt8] { Array("commit \(height)".utf8) }
    static func appHash(_ height: UInt64) -> Hash { Hash.sha256(Array("app \(height)".utf8)) }
    static func heightValue(_ height: UInt64) -> [UInt8] { withUnsafeBytes(of: height.bigEndian) { Array($0) } }

    static func signBytes(_ position: SignPosition) -> [UInt8] {
        Array("sign \(position.height) \(position.round) \(position.step.rawValue)".utf8)
    }
}
