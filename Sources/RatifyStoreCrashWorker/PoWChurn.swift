import RatifyCore
import RatifyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `RatifyStoreCrashWorker powchurn <data-dir>`: moves a proof-of-work tip back and forth
/// until killed. Each round disconnects 0-3 blocks and connects one to three more than it
/// disconnected, in one `PoWChainStore.moveTip`, then prints "tip H". Every block writes
/// `pow/height` (its height), `pow/tip` (its hash) and `pow/at/H` (its hash), so a consistent
/// store's state names exactly its best chain (checked by Tests/RatifyStoreTests/PoWChainStoreTests.swift).
extension CrashWorker {
    static func powChurn(dataDirectory: String) throws {
        let store = try NodeStore.open(dataDirectory: dataDirectory, genesisHash: genesisHash, options: options)
        var random = SplitMix64(seed: UInt64(UInt32(truncatingIfNeeded: getpid())))
        var counter = random.next()
        while true {
            let tip = try store.pow.tip()
            let height = tip?.height ?? 0
            var state: [[UInt8]: [UInt8]] = [:]
            for entry in try store.state.allEntries() { state[entry.key] = entry.value }
            let depth = Int(min(UInt64(random.next() % 4), height))
            var disconnect: [PoWChainStore.Disconnected] = []
            for offset in 0..<depth {
                let at = height - UInt64(offset)
                guard let hash = try store.pow.bestHash(height: at), let undo = try store.pow.undo(hash: hash) else {
                    fail("best chain block or undo data missing at height \(at)")
                }
                for write in undo { state[write.key] = write.value }
                disconnect.append(.init(height: at, hash: hash, transactionHashes: []))
            }
            var connect: [PoWChainStore.Connected] = []
            var next = height - UInt64(depth)
            for _ in 0..<(depth + 1 + Int(random.next() % 3)) {
                next += 1
                counter &+= 1
                let hash = Hash.sha256(withUnsafeBytes(of: counter) { Array($0) })
                let writes = [
                    StateWrite(key: Array("pow/height".utf8), value: withUnsafeBytes(of: next.bigEndian) { Array($0) }),
                    StateWrite(key: Array("pow/tip".utf8), value: hash.bytes),
                    StateWrite(key: Array("pow/at/\(next)".utf8), value: hash.bytes),
                ]
                let undo = writes.map { StateWrite(key: $0.key, value: state[$0.key]) }
                for write in writes { state[write.key] = write.value }
                try store.pow.putBlock(hash: hash, bytes: blockBytes(next))
                connect.append(.init(height: next, hash: hash, stateWrites: writes, undo: undo, transactions: []))
            }
            guard let last = connect.last else { fail("a round connects at least one block") }
            try store.pow.moveTip(disconnect: disconnect, connect: connect,
                                  newTip: .init(height: last.height, hash: last.hash, appHash: last.hash))
            say("tip \(last.height)")
        }
    }
}
