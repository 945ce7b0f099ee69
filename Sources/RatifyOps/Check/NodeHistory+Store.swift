import RatifyNode
import RatifyCore
import RatifyStore

extension NodeHistory {
    /// Reads a stopped node's store (as `ratify store check` does) into a history: every kept height.
    public static func load(home: NodeHome, name: String? = nil) throws -> NodeHistory {
        let genesis: Genesis
        do { genesis = try home.loadGenesis() } catch { throw NodeStartError("\(error)") }
        let store = try NodeStore.open(dataDirectory: home.dataDirectory, genesisHash: genesis.genesisHash)
        defer { store.close() }
        return try load(store, name: name ?? home.root)
    }

    static func load(_ store: NodeStore, name: String) throws -> NodeHistory {
        var history = NodeHistory(name: name)
        let latest = try store.blocks.latestHeight()
        history.earliestHeight = try store.blocks.earliestHeight()
        var previousValidators: ValidatorSet?
        var height = history.earliestHeight
        while height <= latest {
            guard let block = try store.blocks.block(height: height), let commit = try store.blocks.commit(height: height),
                  let appHash = try store.state.appHash(height: height) else {
                throw NodeStartError("\(name): height \(height) is missing its block, commit or app hash; run `ratify store check --home \(name)`")
            }
            let validators = try store.blocks.validatorSet(height: height)
            history.append(block: block, commit: commit, appHash: appHash, validators: validators, previousValidators: previousValidators)
            previousValidators = validators
            height += 1
        }
        return history
    }
}
