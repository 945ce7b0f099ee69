import RatifyCore
import RatifyStore

/// One benchmark's store and, when it writes blocks, its chain: made by the benchmark's setup
/// hook (untimed: opening, 10,000 key pairs and the genesis state), removed by its teardown.
///
/// @unchecked Sendable: the harness runs setup, every iteration and teardown of one benchmark
/// one after another, never at once.
final class BenchSession: @unchecked Sendable {
    let name: String
    private(set) var store: BenchStore?
    private(set) var chain: BenchChain?

    init(name: String) { self.name = name }

    /// Opens a fresh store; with `withChain`, also stores height 1 with every account.
    func open(withChain: Bool) throws {
        let opened = try BenchStore(name: name)
        store = opened
        guard withChain else { return }
        let made = BenchChain()
        let genesis = made.genesisBlock()
        try opened.store.blocks.commit(
            block: genesis.block, commit: genesis.commit, stateWrites: genesis.stateWrites, appHash: genesis.appHash,
            validatorSets: genesis.validatorSets, transactions: genesis.transactions)
        chain = made
    }

    func close() {
        store?.remove()
        store = nil
        chain = nil
    }
}
