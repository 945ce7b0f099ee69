/// One inconsistency found by `BlockStore.verify`, e.g. a missing block or an index that
/// disagrees with the block it points at.
public struct StoreProblem: Sendable, Equatable, CustomStringConvertible {
    /// The height concerned, when the problem belongs to one.
    public let height: UInt64?
    public let detail: String

    public init(height: UInt64?, detail: String) {
        self.height = height
        self.detail = detail
    }

    public var description: String {
        height.map { "height \($0): \(detail)" } ?? detail
    }
}
