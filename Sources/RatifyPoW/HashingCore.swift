import CSHA256D

/// How the hashing core computes the two SHA-256 compressions each nonce costs; both run on
/// the CPU's SHA extensions (SHA-NI). docs/PERFORMANCE.md, "Proof of work", compares them.
public enum HashingCore: String, Sendable, CaseIterable {
    /// OpenSSL's `SHA256_Transform`, twice per nonce: the library's own SHA-NI code.
    case openSSL = "openssl"
    /// `CSHA256D`'s `ratify_sha256d_ni_x2`: both compressions of two nonces in one call,
    /// interleaved so the CPU overlaps their dependent round instructions. x86 with SHA-NI only.
    case shaNIx2 = "sha-ni-x2"

    /// The faster core this CPU can run.
    public static var fastest: HashingCore { ratify_sha256d_ni_available() != 0 ? .shaNIx2 : .openSSL }

    public var isAvailable: Bool { self == .openSSL || ratify_sha256d_ni_available() != 0 }
}
