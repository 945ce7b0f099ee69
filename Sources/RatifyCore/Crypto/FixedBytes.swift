/// Fixed-size byte strings stored inline (no heap allocation), compared and hashed as
/// machine words. The words hold the bytes in memory order; they are never interpreted
/// as numbers except for ordering, which loads them big-endian so that `<` is
/// lexicographic byte order.
public protocol FixedSizeBytes: Hashable, Sendable {
    static var count: Int { get }
    static var zero: Self { get }
    /// Reads `count` bytes from raw memory that the caller has checked holds at least that many.
    init(unchecked source: UnsafeRawBufferPointer)
    /// Exactly `count` bytes, never the struct's padding.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension FixedSizeBytes {
    /// Copies exactly `count` bytes; nil for any other length.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == Self.count else { return nil }
        self = Array(bytes).withUnsafeBytes { Self(unchecked: $0) }
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
}

/// A value whose whole content is one fixed-size byte string: hashes, keys, signatures,
/// addresses. They share construction from bytes and hex, and print as lower-case hex.
public protocol FixedSizeBytesValue: Hashable, Sendable, CustomStringConvertible {
    associatedtype Raw: FixedSizeBytes
    var raw: Raw { get }
    init(raw: Raw)
}

extension FixedSizeBytesValue {
    public init?(_ bytes: some Collection<UInt8>) {
        guard let raw = Raw(bytes) else { return nil }
        self.init(raw: raw)
    }

    public init?(hex: some StringProtocol) {
        guard let bytes = Hex.decode(hex), let raw = Raw(bytes) else { return nil }
        self.init(raw: raw)
    }

    public var bytes: [UInt8] { raw.bytes }
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }
}

/// 32 inline bytes.
public struct Bytes32: FixedSizeBytes, Comparable {
    var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public static let count = 32
    public static let zero = Bytes32(w0: 0, w1: 0, w2: 0, w3: 0)

    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    public init(unchecked source: UnsafeRawBufferPointer) {
        self = .zero
        Swift.withUnsafeMutableBytes(of: &self) { destination in
            destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(Self.count)))
        }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: self, body)
    }

    public static func < (lhs: Bytes32, rhs: Bytes32) -> Bool {
        (lhs.w0.bigEndian, lhs.w1.bigEndian, lhs.w2.bigEndian, lhs.w3.bigEndian)
            < (rhs.w0.bigEndian, rhs.w1.bigEndian, rhs.w2.bigEndian, rhs.w3.bigEndian)
    }
}

/// 20 inline bytes (addresses).
public struct Bytes20: FixedSizeBytes, Comparable {
    var w0: UInt64, w1: UInt64, w2: UInt32

    public static let count = 20
    public static let zero = Bytes20(w0: 0, w1: 0, w2: 0)

    init(w0: UInt64, w1: UInt64, w2: UInt32) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2
    }

    public init(unchecked source: UnsafeRawBufferPointer) {
        self = .zero
        Swift.withUnsafeMutableBytes(of: &self) { destination in
            UnsafeMutableRawBufferPointer(rebasing: destination.prefix(Self.count))
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(Self.count)))
        }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: self) { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(Self.count))) }
    }

    public static func < (lhs: Bytes20, rhs: Bytes20) -> Bool {
        (lhs.w0.bigEndian, lhs.w1.bigEndian, lhs.w2.bigEndian) < (rhs.w0.bigEndian, rhs.w1.bigEndian, rhs.w2.bigEndian)
    }
}

/// 64 inline bytes (signatures).
public struct Bytes64: FixedSizeBytes {
    var low: Bytes32, high: Bytes32

    public static let count = 64
    public static let zero = Bytes64(low: .zero, high: .zero)

    init(low: Bytes32, high: Bytes32) { self.low = low; self.high = high }

    public init(unchecked source: UnsafeRawBufferPointer) {
        self = .zero
        Swift.withUnsafeMutableBytes(of: &self) { destination in
            destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(Self.count)))
        }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: self, body)
    }
}
