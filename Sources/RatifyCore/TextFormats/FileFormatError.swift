/// A malformed text file a user wrote or edited (genesis.json, config.toml, key files).
///
/// The description is the single line users see, in one shape everywhere so that it can be
/// grepped and pasted: `FILE: WHERE: WHAT`, for example
/// `genesis.json: validators[2].pub_key: expected 32 bytes, got 31`. `location` is a field
/// path (`consensus.timeout_propose_ms`) or a text position (`line 3, column 14`); it is
/// empty when the whole file is at fault (unreadable, too large).
public struct FileFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file as the user named it (a path or a bare file name).
    public var file: String
    public var location: String
    /// What was wrong, phrased so the fix is evident (`expected ..., got ...`).
    public var reason: String

    public init(file: String, location: String, reason: String) {
        self.file = file
        self.location = location
        self.reason = reason
    }

    public var description: String {
        location.isEmpty ? "\(file): \(reason)" : "\(file): \(location): \(reason)"
    }
}
