import RatifyNode
import RatifyCore
import RatifyLedger
import RatifyStore

/// `ratify store check`: reads a stopped node's whole store and reports what is inconsistent,
/// so an operator learns about damage before the node acts on it. Checks, in order:
/// - the store's own indexes and every block's id (`BlockStore.verifyBlocks`), over the kept
///   heights: the earliest kept (1 unless pruned) through the latest;
/// - each block links to its parent, carries the right validator-set hashes, and its stored
///   commit proves it final: signatures valid, more than 2/3 of its height's voting power;
/// - the ledger state decodes and hashes to the latest block's stored app hash;
/// - every state snapshot in `data/snapshots` has a manifest and chunks that hash to it.
public enum StoreCheck {
    public struct Report: Sendable {
        public var latestHeight: Height
        /// The lowest height kept (1 unless the node prunes, `[storage] retain_blocks`).
        public var earliestHeight: Height
        public var problems: [StoreProblem]

        /// "40 blocks checked", or for a pruned store "31 blocks checked (heights 10...40; below 10 pruned)".
        public var checkedText: String {
            let kept = latestHeight >= earliestHeight ? latestHeight - earliestHeight + 1 : 0
            guard earliestHeight > BlockStore.heightFirst else { return "\(kept) blocks checked" }
            return "\(kept) blocks checked (heights \(earliestHeight)...\(latestHeight); below \(earliestHeight) pruned)"
        }

        /// `ratify store check --json`: `consistent` is false exactly when `problems` lists one.
        public func json(home: String) -> JSONValue {
            let listed = problems.map { problem in
                JSONValue.object([
                    JSONValue.Member("height", problem.height.map { .number(String($0)) } ?? .null),
                    JSONValue.Member("detail", .string(problem.detail)),
                ])
            }
            return .object([
                JSONValue.Member("home", .string(home)),
                JSONValue.Member("latest_height", .number(String(latestHeight))),
                JSONValue.Member("earliest_height", .number(String(earliestHeight))),
                JSONValue.Member("consistent", .bool(problems.isEmpty)),
                JSONValue.Member("problems", .array(listed)),
            ])
        }
    }

    /// At most this many problems are listed; a badly damaged store would list every height.
    public static let problemsMax = 50

    public static func run(home: NodeHome) throws -> Report {
        let genesis: Genesis
        do { genesis = try home.loadGenesis() } catch { throw NodeStartError("\(error)") }
        let store = try NodeStore.open(dataDirectory: home.dataDirectory, genesisHash: genesis.genesisHash)
        defer { store.close() }
        return try check(store, chainID: genesis.chainID)
    }

    static func check(_ store: NodeStore, chainID: String) throws -> Report {
        var problems = try store.blocks.verifyBlocks()
        let latest = try store.blocks.latestHeight()
        let earliest = try store.blocks.earliestHeight()
        // A pruned store's first kept block links to a block it no longer has: its parent is taken as stated.
        var parent: BlockID? = earliest > BlockStore.heightFirst ? nil : .zero
        var height = earliest
        while height <= latest, problems.count < problemsMax {
            defer { height += 1 }
            func problem(_ detail: String) { problems.append(StoreProblem(height: height, detail: detail)) }
            guard let block = try? store.blocks.block(height: height), let commit = try? store.blocks.commit(height: height) else {
                problem("block or commit missing or undecodable")
                continue
            }
            if let parent, block.header.lastBlockID != parent { problem("does not link to block \(height - 1)") }
            parent = block.id
            guard let validators = try? store.blocks.validatorSet(height: height) else {
                problem("validator set missing")
                continue
            }
            if block.header.validatorsHash != validators.hash { problem("validators_hash does not match the stored validator set") }
            if let next = try? store.blocks.validatorSet(height: height + 1), block.header.nextValidatorsHash != next.hash {
                problem("next_validators_hash does not match the stored validator set of height \(height + 1)")
            }
            if commit.blockID != block.id { problem("commit is for another block") }
            do {
                try commit.verify(chainID: chainID, validators: validators)
            } catch {
                problem("commit does not prove the block final: \(error)")
            }
        }
        if latest > 0 {
            do {
                let state = try LedgerState.load(from: store.state.allEntries().map { (key: $0.key, value: $0.value) })
                let stored = try store.state.appHash(height: latest)
                if state.height != latest {
                    problems.append(StoreProblem(height: latest, detail: "ledger state is at height \(state.height)"))
                } else if stored != state.appHash {
                    problems.append(StoreProblem(height: latest, detail: "ledger state does not hash to the stored app hash"))
                }
            } catch {
                problems.append(StoreProblem(height: latest, detail: "ledger state: \(error)"))
            }
        }
        for snapshotProblem in SnapshotStore(dataDirectory: store.environment.path).check() {
            problems.append(StoreProblem(height: nil, detail: snapshotProblem))
        }
        return Report(latestHeight: latest, earliestHeight: earliest, problems: Array(problems.prefix(problemsMax)))
    }
}
