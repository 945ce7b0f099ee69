/// The network and process faults a run may inject before global stabilization time.
public struct SimFaults: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Messages dropped before GST (and re-delivered after it, as TCP gossip catch-up would).
    public static let loss = SimFaults(rawValue: 1 << 0)
    /// Messages delivered twice (gossip delivers duplicates at any time).
    public static let duplication = SimFaults(rawValue: 1 << 1)
    /// Messages delayed far beyond their link's usual latency, so they overtake each other.
    public static let reordering = SimFaults(rawValue: 1 << 2)
    /// The nodes split into two groups that cannot talk until the partition heals (by GST).
    public static let partition = SimFaults(rawValue: 1 << 3)
    /// Validators crash and restart from what they persisted (by GST).
    public static let crash = SimFaults(rawValue: 1 << 4)

    public static let all: SimFaults = [.loss, .duplication, .reordering, .partition, .crash]

    static let named: [(name: String, fault: SimFaults)] = [
        ("loss", .loss), ("dup", .duplication), ("reorder", .reordering), ("partition", .partition), ("crash", .crash),
    ]

    /// Parses `loss,dup,reorder,partition,crash` (any subset; `none` or empty for none, `all`).
    public init?(list: String) {
        let trimmed = list.trimmingCharacters(in: " ")
        var faults: SimFaults = []
        if trimmed == "all" {
            faults = .all
        } else if !trimmed.isEmpty && trimmed != "none" {
            for part in trimmed.split(separator: ",") {
                let name = part.trimmingCharacters(in: " ")
                guard let match = SimFaults.named.first(where: { $0.name == name }) else { return nil }
                faults.insert(match.fault)
            }
        }
        self.init(rawValue: faults.rawValue)
    }

    public var description: String {
        let names = SimFaults.named.filter { contains($0.fault) }.map(\.name)
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }
}

extension StringProtocol {
    /// Trims characters equal to `character` from both ends (no Foundation in the simulator).
    func trimmingCharacters(in character: Character) -> String {
        var slice = Substring(self)
        while slice.first == character { slice = slice.dropFirst() }
        while slice.last == character { slice = slice.dropLast() }
        return String(slice)
    }
}
