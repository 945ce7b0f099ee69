import RatifyNode
import RatifyCore

/// `ratify check history`: compares what several nodes of one chain stored and says what is
/// wrong with the history as a whole (Jepsen-style, after the fact). Pure: it works on
/// `NodeHistory` values, however they were read.
/// - Agreement: every node has the same block hash and app hash at every height they share.
/// - Acknowledged transactions: each one the RPC answered as final is in every chain that
///   reaches its height exactly once (missing anywhere: lost; twice: duplicated).
/// - No double sign: no validator signed two different votes for one height/round/type in
///   any commit, `last_commit` or evidence any node stored; evidence in a block is itself one.
public enum HistoryCheck {
    /// A transaction the RPC answered as final, at the height it named (nil: unknown).
    public struct Acknowledged: Sendable, Equatable {
        public var hash: Hash
        public var height: Height?

        public init(hash: Hash, height: Height?) {
            self.hash = hash
            self.height = height
        }
    }

    public struct Disagreement: Sendable, Equatable, Codable {
        public var height: Height
        /// What differs: "block hash", "app hash" or "block hash and app hash".
        public var field: String
        /// Node name -> "blockhash/apphash" (hex) at that height.
        public var values: [String: String]
    }

    public struct TransactionProblem: Sendable, Equatable, Codable {
        public var hash: String
        /// "lost" (absent from a chain that reaches its height) or "duplicated".
        public var kind: String
        public var node: String
        public var detail: String
    }

    public struct DoubleSign: Sendable, Equatable, Codable {
        public var validator: String
        public var height: Height
        public var round: Round
        public var type: String
        /// The different block ids signed ("nil" for a vote for nil).
        public var blockIDs: [String]
        /// How it was found: "votes" (two stored votes conflict) or "evidence in block H".
        public var source: String
    }

    public struct Report: Sendable, Equatable, Codable {
        public var nodes: [String]
        public var latestHeights: [Height]
        /// Heights every node has (the highest earliest kept height through the lowest latest height).
        public var sharedHeights: Height
        public var disagreements: [Disagreement]
        public var acknowledged: Int
        /// Distinct acknowledged transactions lost on some node, and duplicated on some node
        /// (exact; the lists below stop at `listedMax`).
        public var lostCount: Int
        public var duplicatedCount: Int
        public var lost: [TransactionProblem]
        public var duplicated: [TransactionProblem]
        public var doubleSigns: [DoubleSign]
        public var votesScanned: Int

        public var isClean: Bool { disagreements.isEmpty && lost.isEmpty && duplicated.isEmpty && doubleSigns.isEmpty }

        public var text: String {
            var lines: [String] = []
            let heights = zip(nodes, latestHeights).map { "\($0) at \($1)" }.joined(separator: ", ")
            lines.append("nodes: \(heights); \(sharedHeights) heights shared")
            lines.append(disagreements.isEmpty
                ? "agreement: identical block hash and app hash on every node at every shared height"
                : "agreement: \(disagreements.count) height(s) DISAGREE")
            for item in disagreements {
                let values = item.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                lines.append("  height \(item.height): \(item.field) differs: \(values)")
            }
            lines.append("acknowledged transactions: \(acknowledged), lost: \(lostCount), duplicated: \(duplicatedCount)")
            for item in (lost + duplicated).prefix(HistoryCheck.listedMax) {
                lines.append("  \(item.kind) \(item.hash) on \(item.node): \(item.detail)")
            }
            lines.append("double signs: \(doubleSigns.count) (\(votesScanned) distinct signed votes scanned)")
            for item in doubleSigns.prefix(HistoryCheck.listedMax) {
                lines.append("  \(item.validator) \(item.type) height \(item.height) round \(item.round): \(item.blockIDs.joined(separator: " vs ")) (\(item.source))")
            }
            lines.append(isClean ? "history: OK" : "history: PROBLEMS FOUND")
            return lines.joined(separator: "\n")
        }
    }

    /// Lists in the text and the JSON stop at this many entries each; the counts stay exact.
    public static let listedMax = 50

    public static func check(_ histories: [NodeHistory], acknowledged: [Acknowledged] = []) -> Report {
        let sharedFrom = histories.map(\.earliestHeight).max() ?? 1, sharedThrough = histories.map(\.latestHeight).min() ?? 0
        let shared = sharedThrough >= sharedFrom ? sharedThrough - sharedFrom + 1 : 0
        var report = Report(nodes: histories.map(\.name), latestHeights: histories.map(\.latestHeight), sharedHeights: shared,
                            disagreements: disagreements(histories), acknowledged: acknowledged.count, lostCount: 0, duplicatedCount: 0,
                            lost: [], duplicated: [],
                            doubleSigns: [], votesScanned: 0)
        (report.lost, report.duplicated) = transactionProblems(histories, acknowledged: acknowledged)
        (report.doubleSigns, report.votesScanned) = doubleSigns(histories)
        report.lostCount = Set(report.lost.map(\.hash)).count
        report.duplicatedCount = Set(report.duplicated.map(\.hash)).count
        report.lost = Array(report.lost.prefix(listedMax))
        report.duplicated = Array(report.duplicated.prefix(listedMax))
        return report
    }

    /// Every height two or more nodes have, where their records differ.
    static func disagreements(_ histories: [NodeHistory]) -> [Disagreement] {
        let highest = histories.map(\.latestHeight).max() ?? 0
        var found: [Disagreement] = []
        var height: Height = 1
        while height <= highest, found.count < listedMax {
            defer { height += 1 }
            let present = histories.compactMap { history in history.record(at: height).map { (history.name, $0) } }
            guard present.count > 1 else { continue }
            let blockHashes = Set(present.map(\.1.blockHash)), appHashes = Set(present.map(\.1.appHash))
            guard blockHashes.count > 1 || appHashes.count > 1 else { continue }
            let field = blockHashes.count > 1 && appHashes.count > 1 ? "block hash and app hash" : blockHashes.count > 1 ? "block hash" : "app hash"
            var values: [String: String] = [:]
            for (name, record) in present { values[name] = "\(record.blockHash.hex)/\(record.appHash.hex)" }
            found.append(Disagreement(height: height, field: field, values: values))
        }
        return found
    }

    static func transactionProblems(_ histories: [NodeHistory], acknowledged: [Acknowledged]) -> (lost: [TransactionProblem], duplicated: [TransactionProblem]) {
        var lost: [TransactionProblem] = [], duplicated: [TransactionProblem] = []
        for item in acknowledged {
            // The height it must be found at: the acknowledged one, else where any node has it.
            let expected = item.height ?? histories.compactMap { $0.transactionHeights[item.hash]?.first }.min()
            // On nodes that prune, a transaction below every node's earliest kept height cannot be looked for.
            guard let expected else {
                guard histories.contains(where: { $0.earliestHeight == 1 }) else { continue }
                lost.append(TransactionProblem(hash: item.hash.hex, kind: "lost", node: "every node", detail: "acknowledged as final but in no node's chain"))
                continue
            }
            for history in histories {
                let heights = history.transactionHeights[item.hash] ?? []
                if heights.count > 1 {
                    duplicated.append(TransactionProblem(hash: item.hash.hex, kind: "duplicated", node: history.name,
                                                         detail: "in blocks \(heights.map(String.init).joined(separator: ", "))"))
                } else if heights.isEmpty, history.latestHeight >= expected, expected >= history.earliestHeight {
                    lost.append(TransactionProblem(hash: item.hash.hex, kind: "lost", node: history.name,
                                                   detail: "acknowledged final at height \(expected), absent from this chain (latest \(history.latestHeight))"))
                } else if let found = heights.first, let acknowledgedHeight = item.height, found != acknowledgedHeight {
                    lost.append(TransactionProblem(hash: item.hash.hex, kind: "lost", node: history.name,
                                                   detail: "acknowledged final at height \(acknowledgedHeight) but stored at \(found)"))
                }
            }
        }
        return (lost, duplicated)
    }

    /// Conflicting votes across every node's stored votes, and every piece of stored evidence.
    static func doubleSigns(_ histories: [NodeHistory]) -> (found: [DoubleSign], votesScanned: Int) {
        struct Slot: Hashable {
            var validator: Address
            var height: Height
            var round: Round
            var type: VoteType
        }
        var bySlot: [Slot: Set<BlockID?>] = [:]
        var scanned = Set<NodeHistory.SignedVote>()
        for history in histories { scanned.formUnion(history.votes) }
        for vote in scanned {
            bySlot[Slot(validator: vote.validator, height: vote.height, round: vote.round, type: vote.type), default: []].insert(vote.blockID)
        }
        var found: [DoubleSign] = []
        for (slot, ids) in bySlot where ids.count > 1 {
            found.append(DoubleSign(validator: slot.validator.hex, height: slot.height, round: slot.round, type: "\(slot.type)",
                                    blockIDs: ids.map { $0.map(\.hash.hex) ?? "nil" }.sorted(), source: "votes"))
        }
        var evidenceSeen = Set<String>()
        for history in histories {
            for item in history.evidence where evidenceSeen.insert("\(item.height)/\(item.validator.hex)").inserted {
                found.append(DoubleSign(validator: item.validator.hex, height: item.height, round: 0, type: "evidence",
                                        blockIDs: [], source: "evidence in block \(item.height)"))
            }
        }
        found.sort { ($0.height, $0.validator) < ($1.height, $1.validator) }
        return (found, scanned.count)
    }

    /// Parses an acknowledged-transactions file: one `HASH [HEIGHT]` per line (hex hash),
    /// blank lines and `#` comments skipped. Errors name the line.
    public static func parseAcknowledged(_ text: String, file: String) throws(FileFormatError) -> [Acknowledged] {
        var found: [Acknowledged] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            guard fields.count <= 2, let hash = Hash(hex: first) else {
                throw FileFormatError(file: file, location: "line \(index + 1)", reason: "expected a 64-digit hex transaction hash and an optional height")
            }
            var height: Height?
            if fields.count == 2 {
                guard let value = Height(fields[1]) else {
                    throw FileFormatError(file: file, location: "line \(index + 1)", reason: "height \"\(fields[1])\" is not a whole number")
                }
                height = value
            }
            found.append(Acknowledged(hash: hash, height: height))
        }
        return found
    }
}
