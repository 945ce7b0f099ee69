/// A file or directory the node could not create, write or read. One line: what, where, why.
public struct FileSystemError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    /// "cannot create", "cannot write", "cannot read".
    public var operation: String
    public var reason: String

    public init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "\(path): \(operation): \(reason)" }
}
