import COpenSSL

/// A SHA-256 digest. Block ids, transaction hashes, app hashes and Merkle roots are all `Hash`.
public struct Hash: FixedSizeBytesValue, Comparable {
    public var raw: Bytes32

    public static let zero = Hash(raw: .zero)

    public init(raw: Bytes32) { self.raw = raw }

    /// The first 6 bytes, for log lines.
    public var short: String { Hex.encode(bytes.prefix(6)) }

    public static func < (lhs: Hash, rhs: Hash) -> Bool { lhs.raw < rhs.raw }

    /// SHA-256 through OpenSSL, which uses the CPU's SHA extensions where present.
    ///
    /// The context lives on the stack. OpenSSL 3's one-shot `SHA256()` goes through
    /// `EVP_Q_digest`, which fetches the algorithm from the provider and allocates a context on
    /// every call: about 290 ns for 80 bytes against 65 ns this way, with the same digest and
    /// the same compression code (docs/PERFORMANCE.md, "Crypto and codec").
    public static func sha256(_ buffer: UnsafeRawBufferPointer) -> Hash {
        var context = SHA256_CTX()
        var digest = Bytes32.zero
        withUnsafeMutableBytes(of: &digest) { output in
            // The low-level calls only fail on a null context, which cannot happen here.
            _ = SHA256_Init(&context)
            _ = SHA256_Update(&context, CPointer.bytes(buffer), buffer.count)
            _ = SHA256_Final(CPointer.mutableBytes(output), &context)
        }
        return Hash(raw: digest)
    }

    public static func sha256(_ bytes: [UInt8]) -> Hash {
        bytes.withUnsafeBytes { sha256($0) }
    }

    public static func sha256(_ bytes: ArraySlice<UInt8>) -> Hash {
        bytes.withUnsafeBytes { sha256($0) }
    }
}

/// Merkle root over a list of leaf hashes. RFC 6962 style: leaves and inner nodes are hashed
/// with distinct one-byte prefixes so a leaf can never be passed off as an inner node; an
/// odd node is promoted unchanged; the empty list hashes to SHA-256 of nothing.
public enum MerkleTree {
    public static func root(leaves: [Hash]) -> Hash {
        root(leafNodes: leaves.map(leafNode))
    }

    /// A leaf as the tree's bottom level holds it: SHA-256(0x00 ‖ leaf). Callers that keep the
    /// bottom level between calls (the ledger's app hash) hash each leaf once.
    public static func leafNode(_ leaf: Hash) -> Hash {
        var input: [UInt8] = [0x00]
        input.reserveCapacity(33)
        leaf.raw.withUnsafeBytes { input.append(contentsOf: $0) }
        return Hash.sha256(input)
    }

    /// The root over a bottom level made by `leafNode`.
    public static func root(leafNodes: [Hash]) -> Hash {
        guard !leafNodes.isEmpty else { return Hash.sha256([]) }
        var level = leafNodes
        var input: [UInt8] = []
        input.reserveCapacity(65)
        while level.count > 1 {
            var next: [Hash] = []
            next.reserveCapacity((level.count + 1) / 2)
            var index = 0
            while index + 1 < level.count {
                input.removeAll(keepingCapacity: true)
                input.append(0x01)
                level[index].raw.withUnsafeBytes { input.append(contentsOf: $0) }
                level[index + 1].raw.withUnsafeBytes { input.append(contentsOf: $0) }
                next.append(Hash.sha256(input))
                index += 2
            }
            if index < level.count { next.append(level[index]) }
            level = next
        }
        return level[0]
    }
}
