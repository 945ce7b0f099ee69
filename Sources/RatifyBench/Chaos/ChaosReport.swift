import Foundation
import RatifyNode
import RatifyOps

/// What a chaos run did and found, as text and JSON.
public struct ChaosReport: Sendable, Codable {
    public struct Settings: Sendable, Codable {
        public var validators: Int
        public var durationSeconds: Double
        public var seed: UInt64
        public var rateTxPerSecond: Double
        public var networkNamespaces: Bool
        public var buildMode: String
        public var command: String
        public var homes: String
    }

    /// One planned fault and what became of it.
    public struct Applied: Sendable, Codable {
        public var perturbation: Perturbation
        /// "applied" or "skipped".
        public var status: String
        /// Why it was skipped, or what applying it did (records deleted, ...).
        public var detail: String?
        /// From the heal until every node finalized a height above the highest one any node
        /// had at the heal; nil when skipped or when the run ended first.
        public var resumeSeconds: Double?
    }

    public struct Transactions: Sendable, Codable {
        public var scheduled: Int
        /// Answered final by the RPC (`POST /tx?wait=final`, 200).
        public var acknowledged: Int
        public var rejected: Int
        public var timedOut: Int
        public var failed: Int
        public var unsent: Int
        /// Acknowledged but missing from a chain that reaches their height (goal 0).
        public var lost: Int
        /// In a chain more than once (goal 0).
        public var duplicated: Int
    }

    public struct Resume: Sendable, Codable {
        public var heals: Int
        public var p50Seconds: Double?
        public var maxSeconds: Double?
        public var boundSeconds: Double
        /// Every node finalized again within the bound after the last heal.
        public var lastHealResumedWithinBound: Bool
    }

    public var settings: Settings
    public var perturbations: [Applied]
    /// Each node's latest height at the end, in node order.
    public var latestHeights: [UInt64]
    /// Heights at which the nodes' finalized log lines named different block or app hashes,
    /// seen while the run went on (goal: none).
    public var liveDisagreements: [UInt64]
    public var transactions: Transactions
    public var doubleSigns: Int
    public var resume: Resume
    public var history: HistoryCheck.Report
    /// Nodes that exited when the run had not stopped them (goal: none).
    public var unexpectedExits: [String]
    /// Node error lines seen (the first few), for the reader's diagnosis.
    public var nodeErrors: [String]
    /// Validators in the set at the end (nil: no node answered). Downtime jailing is on and the
    /// plan keeps each validator's faults within the window's budget, so a smaller set than
    /// `settings.validators` means a validator was jailed: a failure.
    public var validatorsInSet: Int?

    public var passed: Bool {
        history.isClean && liveDisagreements.isEmpty && transactions.lost == 0 && transactions.duplicated == 0 && doubleSigns == 0 && resume.lastHealResumedWithinBound
            && unexpectedExits.isEmpty && validatorsInSet == settings.validators
    }

    public var text: String {
        let applied = perturbations.filter { $0.status == "applied" }
        let skipped = perturbations.filter { $0.status != "applied" }
        var lines: [String] = []
        lines.append("chaos run: \(settings.validators) validators, \(Int(settings.durationSeconds)) s, seed \(settings.seed), \(settings.rateTxPerSecond) tx/s, \(settings.buildMode) build\(settings.networkNamespaces ? ", network namespaces" : ", loopback")")
        var byKind: [String: Int] = [:]
        for item in applied { byKind[item.perturbation.kind.rawValue, default: 0] += 1 }
        lines.append("perturbations applied: \(applied.count) (\(byKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))")
        var skippedReasons: [String: Int] = [:]
        for item in skipped { skippedReasons["\(item.perturbation.kind.rawValue): \(item.detail ?? "")", default: 0] += 1 }
        for (reason, count) in skippedReasons.sorted(by: { $0.key < $1.key }) { lines.append("  skipped \(count) x \(reason)") }
        lines.append("heights finalized: \(latestHeights.map(String.init).joined(separator: " / ")) (per node)")
        lines.append("heights where the nodes' logs disagreed during the run: \(liveDisagreements.isEmpty ? "none" : liveDisagreements.prefix(20).map(String.init).joined(separator: ", ")) (goal none)")
        let t = transactions
        lines.append("transactions: \(t.scheduled) scheduled, \(t.acknowledged) acknowledged final, \(t.rejected) rejected, \(t.timedOut) timed out, \(t.failed) failed, \(t.unsent) unsent")
        lines.append("lost acknowledged transactions: \(t.lost) (goal 0), duplicated: \(t.duplicated) (goal 0)")
        lines.append("double signs: \(doubleSigns) (goal 0)")
        let p50 = resume.p50Seconds.map { String(format: "%.1f s", $0) } ?? "-"
        let max = resume.maxSeconds.map { String(format: "%.1f s", $0) } ?? "-"
        lines.append("resume after heal: \(resume.heals) heals, p50 \(p50), max \(max); after the last heal within \(Int(resume.boundSeconds)) s: \(resume.lastHealResumedWithinBound ? "yes" : "NO")")
        lines.append("nodes that exited by themselves: \(unexpectedExits.isEmpty ? "none" : unexpectedExits.joined(separator: "; "))")
        lines.append("validators in the set at the end (downtime jailing on): \(validatorsInSet.map(String.init) ?? "no answer") of \(settings.validators) (goal all)")
        lines.append(history.text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        lines.append(passed ? "RESULT: PASS" : "RESULT: FAIL (homes kept in \(settings.homes))")
        return lines.joined(separator: "\n")
    }

    public var json: String { ReportJSON.text(self) }
}
