import RatifyCore

/// Why the double-sign guard would not sign. Either answer means signing could produce two
/// different signatures for one consensus slot, which is slashable: the caller must not
/// retry with the same request.
public enum SignerRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request is at an earlier position than the last signature.
    case regression(requested: SignPosition, lastSigned: SignPosition)
    /// The request is at the last signed position but over different bytes.
    case conflict(position: SignPosition, signedHash: Hash, requestedHash: Hash)

    public var description: String {
        switch self {
        case .regression(let requested, let lastSigned):
            return "refusing to sign \(requested): already signed \(lastSigned), and signing an earlier step could double-sign"
        case .conflict(let position, let signedHash, let requestedHash):
            return "refusing to sign \(position): already signed different bytes there (sha256 \(signedHash.short), requested \(requestedHash.short)), which would be a double sign"
        }
    }
}
