import RatifyCore
import RatifyStore

/// The store walk (`StoreWalk`, `StoreWalkChild`) and the signer-state rescue for a node home,
/// so the CLI needs no RatifyStore import: `ratify store check` and `ratify start` walk `data/`
/// in a child (`ratify store walk`, hidden) before they open it, and `ratify store copy-signer`
/// carries the signer state out of a damaged store.
extension NodeHome {
    /// What to do with a damaged store, for messages outside RatifyStore.
    public static let damagedStoreAdvice = StoreError.damagedAdvice

    /// Walks this home's `data/` in a child process running `executable arguments...`, which
    /// must call `NodeHome.storeWalkChildMain(dataDirectory:signerOnly: false)`. Throws
    /// `StoreError.corrupted` (one line: the damage, where, and what to do) when the child finds
    /// damage, crashes or hangs; returns the child's summary line, or nil when there is no
    /// store, or (with `unlessClosedCleanly`) `data.mdb` is unchanged since a clean close.
    @discardableResult
    public func verifyStoreInChild(executable: String, arguments: [String], unlessClosedCleanly: Bool = false) throws -> String? {
        try StoreWalkChild.verify(dataDirectory: dataDirectory, executable: executable, arguments: arguments,
                                  unlessClosedCleanly: unlessClosedCleanly)
    }

    /// The child's side of `verifyStoreInChild` (and, with `signerOnly`, of
    /// `adoptSignerState(from:executable:arguments:)`): returns the exit status.
    public static func storeWalkChildMain(dataDirectory: String, signerOnly: Bool) -> Int32 {
        StoreWalkChild.childMain(dataDirectory: dataDirectory, mode: signerOnly ? .signer : .walk)
    }

    /// Reads the signer table of `dataDirectory` (a damaged store moved aside) in a child
    /// running `executable arguments...` (which must call `storeWalkChildMain(dataDirectory:
    /// signerOnly: true)`), then writes what is later than this home's own signer state into
    /// this home's store, creating it if needed. Returns one line per record for the operator.
    public func adoptSignerState(from dataDirectory: String, executable: String, arguments: [String]) throws -> [String] {
        let records: [(key: [UInt8], value: [UInt8])]
        do {
            records = try StoreWalkChild.signerRecords(dataDirectory: dataDirectory, executable: executable, arguments: arguments)
        } catch StoreError.corrupted(_, let reason) {
            throw NodeStartError("the signer state in \(dataDirectory) cannot be read (\(reason)); run `ratify store copy-signer --home \(root) --floor-height H` with H = the chain's latest finalized height + 1 instead")
        }
        return try withStore { try $0.adoptSignerRecords(records).lines }
    }

    /// Makes this home's store refuse to sign anything at or below `height`
    /// (`NodeStore.raiseSignerFloor`), for a validator whose old signer state cannot be read.
    public func raiseSignerFloor(height: UInt64) throws -> String {
        try withStore { try $0.raiseSignerFloor(height: height) }
    }

    private func withStore<Result>(_ body: (NodeStore) throws -> Result) throws -> Result {
        let genesis: Genesis
        do { genesis = try loadGenesis() } catch { throw NodeStartError("\(error)") }
        let store = try NodeStore.open(dataDirectory: dataDirectory, genesisHash: genesis.genesisHash)
        defer { store.close() }
        return try body(store)
    }
}
