/// Fixed-size byte strings stored inline (no heap allocation), compared and hashed as
/// machine words. The words hold the bytes in memory order; they are never interpreted
/// as numbers except for ordering, which loads them big-endian so that `<` is
/// lexicographic byte order.

/// 32 inline bytes.
public struct Bytes32: Hashable, Sendable {
    var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public static let count = 32
    public static let zero = Bytes32(w0: 0, w1: 0, w2: 0, w3: 0)

    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    /// Copies exactly 32 bytes; returns nil for any other length.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == Self.count else { return nil }
        self = .zero
        withUnsafeMutableBytes(of: &self) { destination in
            destination.copyBytes(from: bytes)
        }
    }

    /// Reads 32 bytes from raw memory that the caller has checked holds at least 32.
    public init(unchecked source: UnsafeRawBufferPointer) {
        self = .zero
        withUnsafeMutableBytes(of: &self) { destination in
            destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(Self.count)))
        }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: self, body)
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
}

extension Bytes32: Comparable {
    public static func < (lhs: Bytes32, rhs: Bytes32) -> Bool {
        let l = (lhs.w0.bigEndian, lhs.w1.bigEndian, lhs.w2.bigEndian, lhs.w3.bigEndian)
        let r = (rhs.w0.bigEndian, rhs.w1.bigEndian, rhs.w2.bigEndian, rhs.w3.bigEndian)
        return l < r
    }
}

/// 20 inline bytes (addresses).
public struct Bytes20: Hashable, Sendable {
    var w0: UInt64, w1: UInt64, w2: UInt32

    public static let count = 20
    public static let zero = Bytes20(w0: 0, w1: 0, w2: 0)

    init(w0: UInt64, w1: UInt64, w2: UInt32) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2
    }

    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == Self.count else { return nil }
        self = .zero
        withUnsafeMutableBytes(of: &self) { destination in
            UnsafeMutableRawBufferPointer(rebasing: destination.prefix(Self.count)).copyBytes(from: bytes)
        }
    }

    public init(unchecked source: UnsafeRawBufferPointer) {
        self = .zero
        withUnsafeMutableBytes(of: &self) { destination in
            UnsafeMutableRawBufferPointer(rebasing: destination.prefix(Self.count))
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(Self.count)))
        }
    }

    /// The 20 bytes (the struct's stride may include padding, which is never exposed).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: self) { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(Self.count))) }
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
}

extension Bytes20: Comparable {
    public static func < (lhs: Bytes20, rhs: Bytes20) -> Bool {
        (lhs.w0.bigEndian, lhs.w1.bigEndian, lhs.w2.bigEndian) < (rhs.w0.bigEndian, rhs.w1.bigEndian, rhs.w2.bigEndian)
    }
}

/// 64 inline bytes (signatures).
public struct Bytes64: Hashable, Sendable {
    var low: Bytes32, high: Bytes32

    public static let count = 64
    public static let zero = Bytes64(low: .zero, high: .zero)

    init(low: Bytes32, high: Bytes32) { self.low = low; self.high = high }

    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == Self.count else { return nil }
        self = .zero
        withUnsafeMutableBytes(of: &self) { destination in
            destination.copyBytes(from: bytes)
        }
    }

    public init(unchecked source: UnsafeRawBufferPointer) {
        self = .zero
        withUnsafeMutableBytes(of: &self) { destination in
            destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(Self.count)))
        }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: self, body)
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
}
